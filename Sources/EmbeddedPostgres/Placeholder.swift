/// Throwaway PostgreSQL clusters (initdb / pg_ctl); see issue 3.
public enum EmbeddedPostgresPlaceholder {}
