/// Tuner's version, printed by `--version` and stored in results.
public enum TunerVersion {
    public static let current = "0.1.0"
}
