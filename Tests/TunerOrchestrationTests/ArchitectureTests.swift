import Foundation
import Testing

/// The dependency direction docs/architecture.md describes: the product never imports the demo.
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let product = [
        "TunerCore", "TunerLoad", "TunerPostgres", "TunerReport", "TunerOrchestration", "TunerConsole", "EmbeddedPostgres",
    ]
    static let demo = ["DemoShop", "DemoShopData", "TunerDemo", "Hummingbird", "ServiceLifecycle", "Prometheus"]

    /// Every `import X` of the Swift files under Sources/TARGET.
    static func imports(of target: String) throws -> [(file: String, module: String)] {
        let directory = root.appendingPathComponent("Sources/\(target)")
        guard let files = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var found: [(String, String)] = []
        for case let file as String in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ")
                if let index = words.firstIndex(of: "import"), index + 1 < words.count, words[..<index].allSatisfy({ $0.hasPrefix("@") }) {
                    found.append(("\(target)/\(file)", String(words[index + 1])))
                }
            }
        }
        return found
    }

    @Test(arguments: product)
    func theProductNeverImportsTheDemo(target: String) throws {
        let imports = try Self.imports(of: target)
        #expect(!imports.isEmpty, "no sources found for \(target)")
        let wrong = imports.filter { Self.demo.contains($0.module) }
        #expect(wrong.isEmpty, "\(wrong.map { "\($0.file) imports \($0.module)" })")
    }

    /// Package.swift declares no demo target among a product target's dependencies (a dependency links it).
    @Test func productTargetsDoNotDependOnTheDemo() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        for target in Self.product {
            let start = try #require(manifest.range(of: "name: \"\(target)\","), "\(target) is not in Package.swift")
            let rest = manifest[start.upperBound...]
            let block = rest[..<(rest.range(of: "swiftSettings")?.lowerBound ?? rest.endIndex)]
            for module in Self.demo { #expect(!block.contains("\"\(module)\""), "\(target) depends on \(module)") }
        }
    }

    /// `tuner` links the demo's data and workflow, not the shop's web app.
    @Test func tunerDoesNotLinkTheShopApp() throws {
        let imports = try Self.imports(of: "tuner")
        #expect(!imports.contains { ["DemoShop", "Hummingbird"].contains($0.module) }, "\(imports.filter { $0.module == "DemoShop" })")
    }

    /// `tuner` parses arguments and wires: every type declared in Sources/tuner is a command, a group of options,
    /// or an option's value type; anything else belongs in a library.
    @Test func tunerDeclaresOnlyCommandsAndOptions() throws {
        let directory = Self.root.appendingPathComponent("Sources/tuner")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty)
        let declaration = /^\s*(?:public |private |fileprivate |internal )?(?:final )?(?:struct|enum|class|actor) (\w+)([^{]*)/
        var others: [String] = []
        for file in files {
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let match = line.firstMatch(of: declaration) else { continue }
                let name = String(match.1)
                let conformances = String(match.2)
                let allowed = name == "Tuner" || name.hasSuffix("Command") || name.hasSuffix("Options")
                    || ["ParsableCommand", "ParsableArguments", "ExpressibleByArgument"].contains { conformances.contains($0) }
                if !allowed { others.append("\(file): \(name)") }
            }
        }
        #expect(others.isEmpty, "not a command or options: \(others)")
    }
}
