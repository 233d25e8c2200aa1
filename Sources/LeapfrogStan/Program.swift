/// A parsed Stan program: its blocks in order (any may be empty).
struct Program: Sendable {
    /// User-defined functions by name (the functions block); forward declarations are dropped.
    var functions: [String: FunctionDefinition] = [:]
    var data: [Declaration] = []
    var transformedData: [Statement] = []
    var parameters: [Declaration] = []
    var transformedParameters: [Statement] = []
    var model: [Statement] = []
    var generatedQuantities: [Statement] = []
}
