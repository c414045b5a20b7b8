import Foundation
import Testing
import TunerCore
@testable import TunerLoad

/// The result files' histograms are standard HdrHistogram V2: read one written by another
/// implementation (Python's `hdrhistogram` package), with the percentiles it reported.
@Suite struct HistogramInteropTests {
    /// Written by hdrh 0.10 (Python): `HdrHistogram(1, 60_000_000, 3)`, 10,000 log-normal values
    /// (random.Random(12345).lognormvariate(7, 1.2) + 1), then 59,000,000 once and 1 five times.
    static let fromPython = [
        "HISTFAAACDV4nEVXu44kxxG8ysrOyampre2dm9vbO5EgDzSJAw0asgSZNAUZgix+Ay2CtgAJ8iSDpr6DHyAI/ApCFg25cuQrIrL3",
        "uLfb01Nd+YqIzOr76M/fv3zx4uFvL+qnH59NX77/64vf/vdYGK/NzmabNeth3SK9heEX/0aam2VgjT9ms3mMGGb4MiOGxx5zz8g2",
        "rzlyrFgZ7jnGyrl8zOvIbDFue67rcny95r5yyPf1us/c5xx7JLxmjrmP9DWfdnjar/hba3A5575sPmXO8H1cAyb7wsd6Wk8jH8cY",
        "c+SOtbcJA8cDpBTYiY1KaiFsYmuu8ISL3TKvt3WLx08fEQlpzbXHcqQ54CGuTGMOuIgbsphz7kh0oaxHVJhjf4IxXMKxwxjFMtKc",
        "uZ5sxWMi/A35I3Q8IvceMAZyKGdNwDmQ9A4gsBAzFgJheUfZcDhuKHXckM9t7o7K9xuM1pUbsDmCaACtOclE5o4gPvAEgIONkYAX",
        "JsP5u/wRTAD4kfj1CX8+BdIA+NNAEWq+jhHhdAw3wGfJB1BbiEcssbCwbgQCdGDnWokqeQ9X49reQh5pSGz4gjOY+yRSSWZQ8ZUP",
        "4ZkCYSSHe/A1l+ErdjOA5+OVXAM02CBbsGUwSmqGFRCPPQKCxDYWGLGjbgA7/AaphtHWwST3WhrW6QDxUpUZheaQCpdshxyXDQdZ",
        "UBDIDQCM/A07EQD+eQFiMLLBbAJGbkGwINebJ6ly5uqs0li4GLIkU+yPcXVSj1xghW7yEB7U/EQh2MeOQ2G4Q7rA1qnfiDaMoSEt",
        "gwv0Hi7TbFhRhKQW6Aus7Gv35ioENRh7FSA05iK3teCs3QgFepdgBW2Q8oR6FhB1uoY/5wAIfDQnV3DIfkXZ9BIEmd06+E2TAQkn",
        "k7ZJ4DQagB+nhcIvLE3RhgSwsrNs0Jd0CPkii1UecMXgcZoGCqLLCtvGMMZCyiSfjldyEu24OnFN1Uq6W1likw34Mow18oWHDRVm",
        "A+SsEEmhJmmdpvBMRFQffZg3zj36AZmxQfvYEegka9CEaVNwHBorDgDYKC/vNOLoJGVOMhFlD9bGkNhCKCmU5NKQJgBmMnF4Zr2d",
        "pMLYWRMicBiDExZmSsM36A3xkTNr7cigcUGf0F5DGGkf3js1JkQhu2acvCyRlUnEuiXsqe0c96iNIqbaGzdThOxussoDIYVOd+5j",
        "msADT1gUUtINeswkdhJJQajo+mkFXRvUEx5C52ESOKhic3Xa8D7kgRrgA1apiilNhkWUBqyoNi0qiKIBSGM7kMbUh6N1CIgAQpec",
        "SDjFDyUL08YyWWxKhhXSfEP3NRb8rKkmZ1rq8AhLQtPZf40nnxN7rBq1S3SavoE8iy42OQvoHmcmVdjoyUvohb8NcSx9Np3IyLRz",
        "lzwVijyNpVKXLLyi0Yg/saQW6n6PGgIIicYDGrnUyUPdSAkUUJwSYvBoO9KJTEjFoEJC4OkA4m0cmB+jRflABoeMKEUEqyxx/hNz",
        "zkS+NDRW4poQmC6bES9xCAviGqVBYkkFW9NgKLmxC5OqHNgJPKkbvnwYtxYo8DUlpZZ6iaEZMoNZjbLYrY+DyBY9xQ/lWwJ10rLh",
        "qNw4d0pU5AukWb32QIedWBG6kBLojdQAAWoySC4FJ/HXQw4tTgXbhkoSkxya6iGyWE1LCrhxQ6EsRj1N5p0ANElCyfO2oXB+4+yQ",
        "4IiR4igoC0AGDKVG6vCG4YKWGdAuFclyTtqt8WfqXU1QxXG6Vx8ERYh5ysrELZU0/Ohn8szglIY4yFaFc3TlIaVeiWvosszOY8Yr",
        "ufNzHJZz5Et/CsUh3j1+qZptqfSd1XWrdCWUArNV94qj4lmVCA1+kkFqrVcrY2mz+tQoTWbB0ZLcpxEogHnvd8cQO/5pLRSwhSJh",
        "iX6jnuFy4rt1rZYaeNl46cdbt+dm6pGmeXh0AUs9ELBNMqjG4tu39OR8YW+lvYijzHJbzcA3eR4AhJtHiNWhx5OtxoXoEGBN/da9",
        "ZNHqnGk6AJuauMYhj1tpZ+irjkjZb8/DXfI71WKvplDHuKilMuKY9CSz2NSIq8w31H3B7m5Hceyu1NdW2uxSkbhVFJny7kKsU2Yc",
        "nkL/6C151oNQIqUmhfByrBG8AWf/0D+mwX/wzBI1aZsakSkLKdaNajdNKUm0A4uulNi1dZD5pdLZZFeMNUlCsjTVZ5qL0guufAdo",
        "/I+ZjkvsZI/4vai5eGn2rB6js846D5Dxe9EEquEgset/eC3u7dnp4XmTAiWcu8qtXqCUjziodtKdGvPMKJcj3Q/o8NFW4ikEpP7N",
        "j2WlcYLlg7Fhe2llqyqqR2pd7fnSMRCwgtF0OvTcKh+CTXZanOtA9KNIPwZar3Kj+vnohC7AeqmFvk6Vdg2ko8ijDxBzqzHaTfs4",
        "7A9DWgoqFFjENvFS5wYQPDglF7qHN6tTJlDJVu8wkuRFyZ2jfcik1bC/gz++/732ixB65qCTVB1lz3kRjTt7KO082JnOL7C+E6gl",
        "ynv1S/OTTO5ocwa2D6TxtcnuQ/2v8PGu5NCLLX650P8ZN4WZmG0FMm3h7KzJTs7x/dXxtzGFB/uspPalvG3Stp+x80Hkn+1It/sb",
        "kXSP6x32fAIfm6DYcHdhb3YF/GXoKgbL7wCKNuz+j+1Xhppfw/Cl8MXtPa4XPP8Nsrg/IHqPeGfVuNl7KXCDAdD/e7M/2q/h9YQ/",
        "OvoM12+x8z1WXtlXQupz+6nZF3jwDZx8Xnj7u1I4y/0dHn1nf4Cfd9jyzt7Y73G9h49/Nvtfs391+4/Z1/aPbj837Px3sz+Z/Xix",
        "H/7S7P/T8G9m",
    ].joined()

    /// What Python's `get_value_at_percentile` answered for that histogram. (Its p90, 5207, is left
    /// out: Python rounds the rank, `int(0.9 × 10006 + 0.5)`, where Java and Swift take the ceiling;
    /// the buckets agree, the percentile definitions differ by one rank there.)
    static let pythonPercentiles: [(Double, UInt64)] = [
        (25, 489), (50, 1096), (75, 2429), (99, 17519), (99.9, 53759),
    ]

    /// Every 45th of the 3,630 non-empty buckets as Python's recorded-values iterator lists them.
    static let pythonBuckets: [(UInt64, UInt64)] = [
        (1, 5), (74, 2), (121, 10), (166, 6), (211, 12), (256, 4), (301, 6), (346, 6), (393, 5), (438, 8), (483, 3),
        (528, 6), (573, 2), (619, 5), (664, 4), (709, 3), (754, 5), (799, 5), (844, 3), (889, 2), (934, 2), (980, 1),
        (1027, 3), (1075, 2), (1120, 1), (1165, 4), (1214, 3), (1265, 2), (1314, 2), (1368, 1), (1416, 3), (1466, 1),
        (1526, 2), (1575, 1), (1625, 1), (1673, 1), (1728, 1), (1782, 2), (1836, 2), (1890, 5), (1949, 2), (2007, 2),
        (2069, 2), (2161, 1), (2255, 3), (2351, 4), (2455, 5), (2565, 2), (2681, 2), (2795, 4), (2907, 3), (3027, 2),
        (3145, 1), (3277, 1), (3385, 1), (3511, 1), (3641, 3), (3781, 1), (3933, 3), (4107, 3), (4359, 3), (4575, 2),
        (4823, 1), (5087, 3), (5379, 1), (5703, 3), (5991, 2), (6339, 1), (6751, 1), (7159, 1), (7559, 1), (7999, 1),
        (8655, 1), (9359, 1), (10207, 2), (11183, 1), (12575, 1), (14015, 2), (16191, 1), (20959, 1), (33855, 1),
        (59015167, 1),
    ]

    @Test func decodesAHistogramWrittenByPython() throws {
        let histogram = try HistogramCodec.decode(Self.fromPython)
        #expect(histogram.totalCount == 10_006)
        #expect(histogram.countForValue(1) == 5)
        for (percentile, expected) in Self.pythonPercentiles {
            #expect(histogram.valueAtPercentile(percentile) == expected, "p\(percentile)")
        }
        #expect(histogram.valuesAreEquivalent(histogram.max, 59_015_167))
        #expect(histogram.min == 1)
        #expect(Array(histogram.recordedValues()).count == 3_630)
        for (value, count) in Self.pythonBuckets {
            #expect(histogram.countForValue(value) == count, "bucket of \(value)")
        }
    }

    @Test func reencodingPythonsHistogramKeepsEveryBucket() throws {
        let histogram = try HistogramCodec.decode(Self.fromPython)
        let again = try HistogramCodec.decode(HistogramCodec.encode(histogram))
        #expect(again.totalCount == histogram.totalCount)
        for (percentile, expected) in Self.pythonPercentiles {
            #expect(again.valueAtPercentile(percentile) == expected)
        }
    }

    @Test func mergingDecodedShardsEqualsRecordingEverythingOnce() throws {
        var random = FastRandom(seed: 99)
        var all = LatencyHistogram.makeLatency()
        var shards = [LatencyHistogram.makeLatency(), LatencyHistogram.makeLatency(), LatencyHistogram.makeLatency()]
        for i in 0..<30_000 {
            let value = UInt64.random(in: 1...2_000_000, using: &random)
            all.recordClamped(micros: value)
            shards[i % 3].recordClamped(micros: value)
        }
        var merged = LatencyHistogram.makeLatency()
        for shard in shards { merged.add(try HistogramCodec.decode(HistogramCodec.encode(shard))) }
        #expect(merged.totalCount == all.totalCount)
        for percentile in [1.0, 50, 90, 99, 99.9, 99.99] {
            #expect(merged.valueAtPercentile(percentile) == all.valueAtPercentile(percentile))
        }
    }
}
