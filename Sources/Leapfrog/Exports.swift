// The public surface of Leapfrog, one import away.
@_exported import LeapfrogCore
@_exported import LeapfrogData
@_exported import LeapfrogModel
@_exported import LeapfrogReference
@_exported import LeapfrogModels
@_exported import LeapfrogRandom
@_exported import LeapfrogSampling
@_exported import LeapfrogDiagnostics
@_exported import LeapfrogOpenCL
@_exported import LeapfrogOutput
@_exported import LeapfrogStan
@_exported import LeapfrogRun
@_exported import LeapfrogPlot
@_exported import LeapfrogReport
@_exported import LeapfrogVariational
