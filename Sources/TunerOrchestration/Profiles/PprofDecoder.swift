import Foundation
import TunerCore
import TunerLoad

/// Decodes a pprof profile (profile.proto, gzip-compressed as Go's net/http/pprof serves it) into the functions
/// with the largest shares of its CPU time.
///
/// Flat: a sample's value goes to the innermost function of its first location (for inlined code, a location's
/// first line). Cumulative: to every distinct function on the sample's stack.
enum PprofDecoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Functions kept: the largest by flat share and by cumulative share.
    static let kept = 15

    /// `measure`: the sample type the shares are of (`cpu`; `delay` in a mutex or block profile; `alloc_space` in an
    /// allocs or heap profile); without it in the profile, its last type.
    static func decode(_ data: [UInt8], source: String, startSecond: Double = 0, measure: String = "cpu") throws(Failure) -> CPUProfile {
        let raw = try inflated(data)
        do {
            return try decodeProfile(raw[...], source: source, startSecond: startSecond, measure: measure)
        } catch let error as ProtobufReader.Malformed {
            throw Failure(description: "not a pprof profile: \(error.description)")
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "not a pprof profile: \(error)")
        }
    }

    /// The bytes inflated when gzip-compressed (pprof's usual form), else as they came.
    private static func inflated(_ data: [UInt8]) throws(Failure) -> [UInt8] {
        guard data.count >= 2, data[0] == 0x1F, data[1] == 0x8B else { return data }
        guard let out = Inflate.gzip(data[...]) else { throw Failure(description: "not a pprof profile: bad gzip data") }
        return out
    }

    private struct Location {
        /// Function ids and lines, innermost first.
        var lines: [(function: UInt64, line: Int64)]
    }

    private struct Function {
        var name: Int
        var file: Int
    }

    private static func decodeProfile(_ bytes: ArraySlice<UInt8>, source: String, startSecond: Double, measure wanted: String)
        throws -> CPUProfile
    {
        var reader = ProtobufReader(bytes)
        var sampleTypes: [(type: Int, unit: Int)] = []
        var samples: [(locations: [UInt64], values: [Int64])] = []
        var locations: [UInt64: Location] = [:]
        var functions: [UInt64: Function] = [:]
        var strings: [String] = []
        var durationNanos: Int64 = 0
        while let (number, value) = try reader.next() {
            switch (number, value) {
            case (1, .bytes(let field)):
                var type = 0, unit = 0
                var inner = ProtobufReader(field)
                while let (n, v) = try inner.next() {
                    if case .varint(let x) = v { if n == 1 { type = Int(x) } else if n == 2 { unit = Int(x) } }
                }
                sampleTypes.append((type, unit))
            case (2, .bytes(let field)):
                var ids: [UInt64] = []
                var values: [Int64] = []
                var inner = ProtobufReader(field)
                while let (n, v) = try inner.next() {
                    if n == 1 { ids += try ProtobufReader.integers(v) }
                    if n == 2 { values += try ProtobufReader.integers(v).map { Int64(bitPattern: $0) } }
                }
                samples.append((ids, values))
            case (4, .bytes(let field)):
                var id: UInt64 = 0
                var lines: [(UInt64, Int64)] = []
                var inner = ProtobufReader(field)
                while let (n, v) = try inner.next() {
                    switch (n, v) {
                    case (1, .varint(let x)): id = x
                    case (4, .bytes(let lineField)):
                        var function: UInt64 = 0, line: Int64 = 0
                        var lineReader = ProtobufReader(lineField)
                        while let (ln, lv) = try lineReader.next() {
                            if case .varint(let x) = lv { if ln == 1 { function = x } else if ln == 2 { line = Int64(bitPattern: x) } }
                        }
                        lines.append((function, line))
                    default: break
                    }
                }
                locations[id] = Location(lines: lines)
            case (5, .bytes(let field)):
                var id: UInt64 = 0
                var function = Function(name: 0, file: 0)
                var inner = ProtobufReader(field)
                while let (n, v) = try inner.next() {
                    guard case .varint(let x) = v else { continue }
                    switch n {
                    case 1: id = x
                    case 2: function.name = Int(x)
                    case 4: function.file = Int(x)
                    default: break
                    }
                }
                functions[id] = function
            case (6, .bytes(let field)):
                strings.append(String(decoding: field, as: UTF8.self))
            case (10, .varint(let x)):
                durationNanos = Int64(bitPattern: x)
            default:
                break
            }
        }
        guard !strings.isEmpty, strings[0].isEmpty, !sampleTypes.isEmpty else {
            throw Failure(description: "not a pprof profile: no string table or sample types")
        }
        func string(_ index: Int) -> String { strings.indices.contains(index) ? strings[index] : "" }
        // The value asked for when the profile has it (Go's CPU profile: samples/count, cpu/nanoseconds), else the last.
        let valueIndex = sampleTypes.firstIndex { string($0.type) == wanted } ?? sampleTypes.count - 1
        let measure = "\(string(sampleTypes[valueIndex].type)) \(string(sampleTypes[valueIndex].unit))"

        var flat: [UInt64: Double] = [:]
        var cumulative: [UInt64: Double] = [:]
        var lineCounts: [UInt64: [String: Double]] = [:]
        var stacks: [FoldedStacks.Stack] = []
        var ownLines: [String: [String: Double]] = [:]
        var total = 0.0
        func name(_ function: UInt64) -> String { functions[function].map { string($0.name) } ?? "function \(function)" }
        for sample in samples where sample.values.indices.contains(valueIndex) {
            let value = Double(sample.values[valueIndex])
            guard value > 0 else { continue }
            total += value
            var seen = Set<UInt64>()
            var frames: [(name: String, line: String, isOwn: Bool)] = []  // innermost first
            for (depth, id) in sample.locations.enumerated() {
                guard let location = locations[id] else { continue }
                for (position, line) in location.lines.enumerated() {
                    let file = functions[line.function].map { string($0.file) } ?? ""
                    if depth == 0 && position == 0 {
                        flat[line.function, default: 0] += value
                        lineCounts[line.function, default: [:]]["\(file):\(line.line)", default: 0] += value
                    }
                    if seen.insert(line.function).inserted { cumulative[line.function, default: 0] += value }
                    let function = name(line.function)
                    frames.append((function, "\(file):\(line.line)", isOwnGoCode(function: function, file: file)))
                }
            }
            if let own = frames.first(where: \.isOwn) { ownLines[own.name, default: [:]][own.line, default: 0] += value }
            if !frames.isEmpty { stacks.append(.init(frames: frames.reversed().map(\.name), weight: value)) }
        }
        guard total > 0 else { throw Failure(description: "the profile has no samples: the service was idle while it was taken") }
        let byFlat = flat.sorted { $0.value > $1.value }.prefix(kept).map(\.key)
        let byCumulative = cumulative.sorted { $0.value > $1.value }.prefix(kept).map(\.key)
        var chosen: [UInt64] = []
        for id in byFlat + byCumulative where !chosen.contains(id) { chosen.append(id) }
        let kept = chosen.map { id in
            CPUProfile.Function(
                name: functions[id].map { string($0.name) } ?? "function \(id)",
                location: lineCounts[id]?.max { $0.value < $1.value }?.key,
                flat: (flat[id] ?? 0) / total, cumulative: (cumulative[id] ?? 0) / total)
        }.sorted { ($0.flat, $0.cumulative) > ($1.flat, $1.cumulative) }
        var profile = CPUProfile(source: source, seconds: Double(durationNanos) / 1e9, startSecond: startSecond,
                                 measure: measure, total: total, samples: samples.count, functions: kept)
        var folded = FoldedStacks(stacks: stacks)
        folded.merge()
        let own = Set(ownLines.keys)
        profile.profiler = "pprof"
        var place = folded.placeToAct { own.contains($0) }
        if let name = place?.name { place?.location = ownLines[name]?.max { $0.value < $1.value }?.key }
        profile.placeToAct = place
        profile.measureJSON(in: folded) { own.contains($0) }
        profile.stacks = folded.trimmed(to: FoldedStacks.keptStacks)
        return profile
    }

    /// Whether a Go function is the service's own code: the program's `main` package, or a package of a module (its
    /// path starts with a domain) whose file is not in the module cache, Debian's gocode tree or a vendor directory.
    /// The standard library and the runtime (`crypto/sha256`, `runtime`, `net/http`) have no domain.
    static func isOwnGoCode(function: String, file: String) -> Bool {
        let slash = function.lastIndex(of: "/")
        let tail = slash.map { function[function.index(after: $0)...] } ?? function[...]
        let package = (slash.map { String(function[..<$0]) + "/" } ?? "") + (tail.split(separator: ".", maxSplits: 1).first ?? "")
        if package == "main" { return true }
        guard let first = package.split(separator: "/").first, first.contains(".") else { return false }
        return !(file.contains("/pkg/mod/") || file.contains("/gocode/") || file.contains("/vendor/"))
    }
}
