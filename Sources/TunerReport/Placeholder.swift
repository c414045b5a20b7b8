/// Reports; see issue 6.
public enum TunerReportPlaceholder {}
