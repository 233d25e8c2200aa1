/// A parsed Stan program: its blocks in order (any may be empty).
struct Program: Sendable {
    var data: [Declaration] = []
    var transformedData: [Statement] = []
    var parameters: [Declaration] = []
    var transformedParameters: [Statement] = []
    var model: [Statement] = []
    var generatedQuantities: [Statement] = []
}
