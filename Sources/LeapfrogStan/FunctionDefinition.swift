/// A user-defined function from the functions block: `real f(real x, data vector y) { … }`.
///
/// The front end inlines calls (`Lowering.inlineCall`): arguments are substituted for the
/// parameters in the body and the body's locals are renamed, so a function costs nothing at run
/// time and recursion is refused. Argument types are checked where the substituted body is lowered.
struct FunctionDefinition: Sendable {
    var name: String
    /// The return type as written (`real`, `vector`, `void`, `array[] real`).
    var returnType: String
    var parameters: [String]
    var body: [Statement]
    var location: StanSourceLocation
    /// One of Stan's built-ins that Leapfrog defines in Stan (`StanLibrary`), not the program's.
    var library = false

    var returnsVoid: Bool { returnType == "void" }
}
