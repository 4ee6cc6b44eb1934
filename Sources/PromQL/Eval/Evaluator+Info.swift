import OspreyCore

extension Evaluator {
    /// `line:column` of a position in the query text, as Prometheus prints it in annotations.
    func positionText(_ pos: PositionRange) -> String {
        let bytes = Array(queryText.utf8)
        var line = 1, col = 1
        for b in bytes.prefix(max(0, min(pos.start, bytes.count))) {
            if b == UInt8(ascii: "\n") { line += 1; col = 1 } else { col += 1 }
        }
        return "\(line):\(col)"
    }
}
