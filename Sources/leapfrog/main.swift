import LeapfrogCommands
import LeapfrogCore

// Many chains make per-chain arrays of megabytes every iteration: keep them in the heap (`HeapPolicy`).
HeapPolicy.keepLargeBlocks()
LeapfrogCommand.main()
