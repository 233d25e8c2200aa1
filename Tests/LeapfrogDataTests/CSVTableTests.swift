import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogData

@Suite struct CSVTableParsing {
    @Test func readsHeaderAndColumns() throws {
        let table = try CSVTable.parse("a,b\n1,2\n3,-4.5e1\n", source: "t.csv")
        #expect(table.source == "t.csv")
        #expect(table.columnNames == ["a", "b"])
        #expect(table.rowCount == 2)
        #expect(try table.column("a") == [1, 3])
        #expect(try table.column("b") == [2, -45])
    }

    @Test(arguments: [
        "a,b\n1,2\n3,4",                    // no final line break
        "a,b\r\n1,2\r\n3,4\r\n",            // CRLF
        "\u{FEFF}a,b\n1,2\n3,4\n",          // byte-order mark
        " a , b \n 1 , 2\n3,4\n",           // spaces around names and cells
        "\"a\",\"b\"\n\"1\",\"2\"\n3,4\n",  // quoted fields
        "a,b\n1,2\n3,4\n\n\n",              // trailing blank lines
    ])
    func acceptsCommonVariants(text: String) throws {
        let table = try CSVTable.parse(text, source: "t.csv")
        #expect(table.columnNames == ["a", "b"])
        #expect(try table.column("a") == [1, 3])
        #expect(try table.column("b") == [2, 4])
    }

    @Test func quotedHeaderMayHoldCommas() throws {
        let table = try CSVTable.parse("\"x,1\",y\n1,2\n", source: "t.csv")
        #expect(table.columnNames == ["x,1", "y"])
    }

    @Test func loadsAFile() throws {
        let table = try withTemporaryFile(Data("x,y\n0.5,1\n".utf8), suffix: ".csv") { path in
            let table = try CSVTable.load(path: path)
            #expect(table.source == path)
            return table
        }
        #expect(try table.column("x") == [0.5])
    }
}

@Suite struct CSVTableErrors {
    func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let error = try leapfrogError(sourceLocation: sourceLocation) { _ = try CSVTable.parse(text, source: "t.csv") }
        #expect(error.kind == .data, sourceLocation: sourceLocation)
        return error.message
    }

    @Test func missingFile() throws {
        let error = try leapfrogError { _ = try CSVTable.load(path: "/nonexistent/leapfrog/x.csv") }
        #expect(error.kind == .io)
        #expect(error.message == "cannot read data file '/nonexistent/leapfrog/x.csv': no such file")
    }

    @Test func directoryIsNotAFile() throws {
        let dir = FileManager.default.temporaryDirectory.path
        let error = try leapfrogError { _ = try CSVTable.load(path: dir) }
        #expect(error.kind == .io)
        #expect(error.message == "cannot read data file '\(dir)': it is a directory")
    }

    @Test func fileThatIsNotUTF8() throws {
        let error = try withTemporaryFile(Data([0x61, 0x0A, 0xFF, 0xFE, 0x0A]), suffix: ".csv") { path in
            (path, try leapfrogError { _ = try CSVTable.load(path: path) })
        }
        #expect(error.1.message == "\(error.0): the file is not UTF-8 text")
    }

    @Test(arguments: ["", "\n\n", "  \n"])
    func emptyFile(text: String) throws {
        #expect(try parseError(text) == "t.csv:1: the file is empty; expected a header row naming the columns")
    }

    @Test func blankFirstLine() throws {
        #expect(try parseError("\na,b\n1,2\n") == "t.csv:1: the first line is blank; expected a header row naming the columns")
    }

    @Test(arguments: ["a,b\n", "a,b", "a,b\n\n"])
    func noDataRows(text: String) throws {
        #expect(try parseError(text) == "t.csv:2: no data rows after the header")
    }

    @Test func duplicateColumnName() throws {
        #expect(try parseError("a,b,a\n1,2,3\n") == "t.csv:1:3: duplicate column name 'a' (also column 1)")
    }

    @Test func unnamedColumn() throws {
        #expect(try parseError(",a,b\n1,2,3\n") == "t.csv:1:1: column 1 has no name")
    }

    @Test func raggedRows() throws {
        let text = "x0,x1,x2,y\n" + String(repeating: "1,2,3,4\n", count: 5) + "1,2,3\n1,2,3,4\n"
        #expect(try parseError(text) == "t.csv:7: row has 3 cells but the header has 4")
        #expect(try parseError("a,b\n1,2\n3\n") == "t.csv:3: row has 1 cell but the header has 2")
        #expect(try parseError("a,b\n1,2\n3,4,5\n") == "t.csv:3: row has 3 cells but the header has 2")
    }

    @Test func emptyLastCellWithoutFinalLineBreak() throws {
        // The missing final line break is supplied, so the row keeps its empty third cell.
        #expect(try parseError("a,b,c\n1,2,") == "t.csv:2:3: cell in column 'c' is empty")
    }

    @Test func nonNumericCell() throws {
        let text = "x0,x1,x2,y\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,abc,4\n"
        #expect(try parseError(text) == "t.csv:5:3: cell 'abc' in column 'x2' is not a number")
        #expect(try parseError("a\n1\n2x\n") == "t.csv:3:1: cell '2x' in column 'a' is not a number")
    }

    /// Files that are not comma-separated tables with a header row are named as such, where
    /// they were read as something else: a first row of numbers (it became the column names),
    /// semicolons, a comment line; hexadecimal (read as 16) and a NUL inside a cell (read up to it).
    @Test func notATableWithAHeaderIsNamed() throws {
        #expect(try parseError("1.5,2,3\n2,3,4\n")
                == "t.csv:1: the first row (1.5, 2, 3) holds numbers only; a data CSV starts with a header row naming the columns")
        #expect(try parseError("a;b\n1;2\n") == "t.csv:1: the header has one column, 'a;b', which contains ';': columns are separated by commas")
        #expect(try parseError("# made by hand\na,b\n1,2\n").hasPrefix("t.csv:1: the first line starts with '#'"))
        #expect(try parseError("a,b\n0x10,2\n") == "t.csv:2:1: cell '0x10' in column 'a' is not a number")
        #expect(try parseError("a,b\n3.2\u{0}5,2\n") == "t.csv:2:1: cell '3.2\\05' in column 'a' is not a number")
        #expect(try CSVTable.parse("a,b\n1e-3,-0.5\n", source: "t.csv").column("a") == [1e-3])
        // Columns numbered 0, 1, … (pandas' to_csv of an array) or 1, 2, … are names.
        #expect(try CSVTable.parse("0,1,2\n5,6,7\n", source: "t.csv").column("2") == [7])
        #expect(try CSVTable.parse("1,2\n5,6\n", source: "t.csv").column("1") == [5])
    }

    @Test func emptyCell() throws {
        #expect(try parseError("a,b\n1,\n") == "t.csv:2:2: cell in column 'b' is empty")
        #expect(try parseError("a,b\n1,\"  \"\n") == "t.csv:2:2: cell in column 'b' is empty")
    }

    @Test(arguments: ["NaN", "nan", "inf", "-Infinity", "1e999"])
    func nonFiniteCell(cell: String) throws {
        let text = "x0,x1,x2,y\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,\(cell),4\n"
        #expect(try parseError(text) == "t.csv:5:3: column 'x2' holds a non-finite value '\(cell)'")
    }

    @Test func blankLineBetweenRows() throws {
        #expect(try parseError("a,b\n1,2\n\n3,4\n") == "t.csv:3: blank line between data rows")
    }

    @Test func cellSpanningLines() throws {
        #expect(try parseError("a,b\n1,\"2\n3\"\n") == "t.csv:2:2: cell in column 'b' spans several lines (a quoted field with a line break, or an unclosed quote)")
        // An unclosed quote swallows the rest of the file.
        #expect(try parseError("a,b\n1,2\n3,\"4\n5,6\n").hasPrefix("t.csv:3:2: cell in column 'b' spans several lines"))
        #expect(try parseError("a\n1\n\"2").hasPrefix("t.csv:3:1: cell in column 'a' spans several lines"))
    }

    @Test func columnNameSpanningLines() throws {
        #expect(try parseError("a,\"b\nc\"\n1,2\n") == "t.csv:1:2: column name spans several lines (a quoted field with a line break, or an unclosed quote)")
        #expect(try parseError("\"a,b\n1,2\n").hasPrefix("t.csv:1:1: column name spans several lines"))
    }

    @Test func lineNumbersCountLineBreaksInsideQuotes() throws {
        // Row 2 spans lines 2–3, so the bad row 4 is on line 5 (also with CRLF).
        #expect(try parseError("a\n\"1\n2\"\n3\n\"4\"x\n").hasPrefix("t.csv:5: misplaced quote in this row"))
        #expect(try parseError("a\r\n\"1\r\n2\"\r\n3\r\n\"4\"x\r\n").hasPrefix("t.csv:5: misplaced quote in this row"))
    }

    @Test(arguments: ["a,b\n1,2\n\"3\"x,4\n", "a,b\n1,2\n3\"x,4\n"])
    func misplacedQuote(text: String) throws {
        #expect(try parseError(text).hasPrefix("t.csv:3: misplaced quote in this row ("))
    }

    @Test func unknownColumn() throws {
        let table = try CSVTable.parse("a,b\n1,2\n", source: "t.csv")
        let error = try leapfrogError { _ = try table.column("z") }
        #expect(error.message == "t.csv:1: no column 'z'; the columns are a, b")
    }
}
