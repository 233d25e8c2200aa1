import LeapfrogCore
import Testing
@testable import LeapfrogData

/// The RFC 4180 reader under `CSVTable` (it replaced the SwiftCSV package to keep the static
/// binary free of Foundation): quoting, line endings and where errors point.
@Suite struct CSVReader {
    func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let error = try leapfrogError(sourceLocation: sourceLocation) { _ = try CSVTable.parse(text, source: "t.csv") }
        #expect(error.kind == .data, sourceLocation: sourceLocation)
        return error.message
    }

    @Test func quotedNamesHoldCommasDoubledQuotesAndUnicode() throws {
        let table = try CSVTable.parse("\"a,b\",\"say \"\"hi\"\"\",σ_x,\"\"\"\"\n1,2,3,4\n", source: "t.csv")
        #expect(table.columnNames == ["a,b", "say \"hi\"", "σ_x", "\""])
        #expect(try table.column("σ_x") == [3])
        #expect(try table.column("\"") == [4])
    }

    @Test func quotedCellsAndSpacesAroundQuotes() throws {
        let table = try CSVTable.parse("a,b,c\n\"1\", \"2\" ,\t\"3\"\t\n\"-0.5\",\"1e3\",\" 7 \"\n", source: "t.csv")
        #expect(try table.column("a") == [1, -0.5])
        #expect(try table.column("b") == [2, 1000])
        #expect(try table.column("c") == [3, 7])
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func lineEndings(end: String) throws {
        let text = ["a,b", "1,2", "3,4"].joined(separator: end) + end
        let table = try CSVTable.parse(text, source: "t.csv")
        #expect(try table.column("b") == [2, 4])
        // Line numbers count each ending once, CRLF included.
        let bad = ["a,b", "1,2", "3,4", "5,x"].joined(separator: end) + end
        #expect(try parseError(bad) == "t.csv:4:2: cell 'x' in column 'b' is not a number")
    }

    @Test func byteOrderMarkBeforeAQuotedHeader() throws {
        let table = try CSVTable.parse("\u{FEFF}\"a\",b\r\n1,2\r\n", source: "t.csv")
        #expect(table.columnNames == ["a", "b"])
    }

    @Test func embeddedLineBreaksKeepLaterLineNumbersExact() throws {
        // Errors point at the line a row starts on, line breaks inside quotes (CRLF as one) counted.
        let error = try parseError("a,\"b\r\nc\nd\"\n1,2\n3\n")
        #expect(error == "t.csv:1:2: column name spans several lines (a quoted field with a line break, or an unclosed quote)")
        #expect(try parseError("a\n\"1\r\n\r\n2\"\n3,4\n") == "t.csv:2:1: cell in column 'a' spans several lines (a quoted field with a line break, or an unclosed quote)")
        #expect(try parseError("a,b\n1,2\n\"x\ny\",3\n4\n").hasPrefix("t.csv:3:1: cell in column 'a' spans several lines"))
    }

    @Test func raggedRowsCountQuotedCommasAsText() throws {
        #expect(try parseError("\"a,b\",c\n1,2\n\"3,5\"\n") == "t.csv:3: row has 1 cell but the header has 2")
        #expect(try parseError("a,b\n1,2\n3,4,\n") == "t.csv:3: row has 3 cells but the header has 2")
    }

    @Test func unclosedQuoteRunsToTheEnd() throws {
        #expect(try parseError("a,b\n1,\"2\n3,4").hasPrefix("t.csv:2:2: cell in column 'b' spans several lines"))
        #expect(try parseError("\"a").hasPrefix("t.csv:1:1: column name spans several lines"))
    }

    @Test func misplacedQuotesNameTheCell() throws {
        #expect(try parseError("a,b\n1,2\n3,4\"\n") == "t.csv:3: misplaced quote in this row (cell 2: a quote inside an unquoted cell; quote the whole cell and write the quote as \"\")")
        #expect(try parseError("a,b\n\"1\"2,3\n") == "t.csv:2: misplaced quote in this row (cell 1: text after the closing quote)")
        #expect(try parseError("a,b\n1,\"2\" \"\n") == "t.csv:2: misplaced quote in this row (cell 2: a quote after the closing quote; write a quote inside a quoted cell as \"\")")
        #expect(try parseError("\"a\"b\n1\n") == "t.csv:1: misplaced quote in this row (cell 1: text after the closing quote)")
    }

    @Test func quotedEmptyLineIsBlank() throws {
        #expect(try parseError("a\n1\n\"\"\n2\n") == "t.csv:3: blank line between data rows")
    }

    @Test func manyRows() throws {
        let rows = (0..<2000).map { "\($0),\"\(Double($0) / 8)\"" }
        let table = try CSVTable.parse("i,x\n" + rows.joined(separator: "\r\n"), source: "t.csv")
        #expect(table.rowCount == 2000)
        #expect(try table.column("x")[1999] == 1999.0 / 8)
    }
}
