/// A plain text table for the human output of queries: columns padded to their widest cell, two spaces apart,
/// numbers right-aligned. Deterministic: rows print in the order given.
struct TextTable {
    enum Alignment { case left, right }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    mutating func append(_ row: [String]) {
        precondition(row.count == headers.count, "a row has one cell per column")
        rows.append(row)
    }

    var rendered: String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let isLast = index == cells.count - 1
                switch alignments[index] {
                case .left: text += cell + (isLast ? "" : padding)
                case .right: text += padding + cell
                }
                if !isLast { text += "  " }
            }
            return text + "\n"
        }
        return line(headers) + rows.map(line).joined()
    }
}
