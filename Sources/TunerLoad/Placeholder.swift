/// The HTTP load engine; see issue 2.
public enum TunerLoadPlaceholder {}
