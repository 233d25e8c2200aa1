import ArgumentParser
import Leapfrog

/// `leapfrog models`: the built-in models with their parameters, data and options.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "models", abstract: "List the built-in models.")

    func run() throws {
        print(Self.listing())
    }

    static func listing() -> String {
        var out: [String] = []
        for m in BuiltinModels.all {
            out.append("\(m.name)\n  \(m.summary)\n  parameters: \(m.parameters)\n  data: \(m.dataHelp)")
            for key in m.options.keys.sorted() {
                out.append("  --model-option \(key)=…  \(m.options[key]!)")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }
}
