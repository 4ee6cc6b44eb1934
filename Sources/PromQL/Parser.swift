/// Parses PromQL text into an `Expr`, checking types as Prometheus does.
public enum PromQLParser {
    /// Throws `PromQLError` of kind `.badData` with Prometheus's wording and the position of the problem.
    public static func parse(_ input: String) throws -> Expr {
        throw PromQLError(.internal, "PromQL parser not built yet")
    }
}
