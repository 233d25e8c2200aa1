import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogData

@Suite struct StanJSONParsing {
    @Test func scalarsVectorsAndMatrices() throws {
        let data = try StanJSON.parse("""
            {
              "J": 8, "tau": 2.5, "y": [28, 8, -3], "w": [1, 2.5],
              "X": [[1, 2, 3], [4, 5, 6.5]], "none": [], "noColumns": [[], []]
            }
            """, source: "t.json")
        #expect(data.source == "t.json")
        #expect(data.names == ["J", "X", "noColumns", "none", "tau", "w", "y"])
        #expect(data["J"] == .integer(8))
        #expect(data["tau"] == .scalar(2.5))
        #expect(data["y"] == .integers([28, 8, -3]))
        #expect(data["w"] == .vector([1, 2.5]))
        #expect(data["X"] == DataArray(shape: [2, 3], values: [1, 2, 3, 4, 5, 6.5]))
        #expect(data["none"] == DataArray(shape: [0], values: [], isInteger: true))
        #expect(data["noColumns"] == DataArray(shape: [2, 0], values: [], isInteger: true))
    }

    @Test func integersAreWrittenWithoutFractionOrExponent() throws {
        let data = try StanJSON.parse(#"{"a": 1, "b": 1.0, "c": 1e2, "d": -0, "e": 2E0, "f": [[1, 2], [3, 4.0]], "g": [[1, 2], [3, 4]]}"#, source: "t.json")
        #expect(data["a"]?.isInteger == true)
        #expect(data["b"] == .scalar(1))
        #expect(data["c"] == .scalar(100))
        #expect(data["d"] == .integer(0))
        #expect(data["e"] == .scalar(2))
        #expect(data["f"]?.isInteger == false)
        #expect(data["g"]?.isInteger == true)
    }

    @Test func largestExactIntegerIsAccepted() throws {
        let data = try StanJSON.parse(#"{"n": -9007199254740992}"#, source: "t.json")
        #expect(data["n"] == .integer(-9_007_199_254_740_992))
    }

    @Test func namesWithEscapesAndAByteOrderMark() throws {
        let data = try StanJSON.parse("\u{FEFF}{\"a\\\"b\\u00e9\\ud83d\\ude00\": 1}", source: "t.json")
        #expect(data.names == ["a\"bé😀"])
    }

    @Test func emptyObject() throws {
        #expect(try StanJSON.parse(" {} ", source: "t.json").variables.isEmpty)
    }

    @Test func loadsAFile() throws {
        let data = try withTemporaryFile(Data(#"{"N": 3}"#.utf8), suffix: ".json") { path in
            let data = try StanJSON.load(path: path)
            #expect(data.source == path)
            return data
        }
        #expect(data["N"] == .integer(3))
    }
}

@Suite struct StanJSONErrors {
    func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let error = try leapfrogError(sourceLocation: sourceLocation) { _ = try StanJSON.parse(text, source: "t.json") }
        #expect(error.kind == .data, sourceLocation: sourceLocation)
        return error.message
    }

    @Test func missingFile() throws {
        let error = try leapfrogError { _ = try StanJSON.load(path: "/nonexistent/leapfrog/d.json") }
        #expect(error.kind == .io)
        #expect(error.message == "cannot read data file '/nonexistent/leapfrog/d.json': no such file")
    }

    @Test func malformedJSONGivesItsPosition() throws {
        #expect(try parseError(#"{"a": [1, 2,]}"#) == "t.json:1:13: malformed JSON: expected a value, found ']'")
        #expect(try parseError("{\n  \"a\": 1\n  \"b\": 2\n}") == "t.json:3:3: malformed JSON: expected ',' or '}' after an object member, found '\"'")
        #expect(try parseError(#"{"a": [1, 2"#) == "t.json:1:12: malformed JSON: expected ',' or ']' after an array element, found end of input")
        #expect(try parseError("") == "t.json:1:1: malformed JSON: expected a value, found end of input")
        #expect(try parseError(#"{"a": NaN}"#) == "t.json:1:7: malformed JSON: expected a value, found 'NaN'")
        #expect(try parseError(#"{"a": 01}"#) == "t.json:1:7: malformed JSON: a number may not have leading zeros")
        #expect(try parseError(#"{"a": 1.}"#) == "t.json:1:9: malformed JSON: expected a digit after '.', found '}'")
        #expect(try parseError(#"{"a": 1} x"#) == "t.json:1:10: malformed JSON: unexpected 'x' after the top-level value")
        #expect(try parseError(#"{a: 1}"#) == "t.json:1:2: malformed JSON: expected a quoted member name, found 'a'")
        #expect(try parseError(#"{"a" 1}"#) == "t.json:1:6: malformed JSON: expected ':' after the member name, found '1'")
        #expect(try parseError(#"{"a": "x"#) == "t.json:1:7: malformed JSON: unterminated string")
        #expect(try parseError(#"{"a\q": 1}"#) == #"t.json:1:4: malformed JSON: invalid escape '\q' in a string"#)
        #expect(try parseError(#"{"\ud800": 1}"#) == #"t.json:1:3: malformed JSON: unpaired surrogate in a '\u' escape"#)
        #expect(try parseError("{\"a\tb\": 1}") == "t.json:1:4: malformed JSON: control character (byte 0x9) in a string; write it as an escape")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        #expect(try parseError("{\"é\": 1,}") == "t.json:1:9: malformed JSON: expected a quoted member name, found '}'")
    }

    @Test func nestingIsBounded() throws {
        let deep = "{\"a\": " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(try parseError(deep) == "t.json:1:70: malformed JSON: nesting deeper than 64 levels")
    }

    @Test func topLevelMustBeAnObject() throws {
        #expect(try parseError("[1, 2]") == "t.json:1:1: the top level must be an object of named variables, not an array")
        #expect(try parseError("\n 3") == "t.json:2:2: the top level must be an object of named variables, not a number")
    }

    @Test func duplicateVariable() throws {
        #expect(try parseError("{\"a\": 1,\n \"a\": 2}") == "t.json:2:7: variable 'a' is given twice (first on line 1)")
    }

    @Test func raggedMatrix() throws {
        let text = """
            {"X": [[1, 2, 3, 4, 5],
                   [1, 2, 3, 4, 5],
                   [1, 2, 3, 4]]}
            """
        #expect(try parseError(text) == "t.json:3:8: variable 'X': row 3 has 4 elements but row 1 has 5")
    }

    @Test func rankThreeAndUp() throws {
        #expect(try parseError(#"{"z": [[[1, 2]], [[3, 4]]]}"#) == "t.json:1:9: variable 'z': arrays of rank 3 are not supported yet")
        #expect(try parseError(#"{"z": [[[[1]]]]}"#) == "t.json:1:9: variable 'z': arrays of rank 4 are not supported yet")
    }

    @Test func mixedNumbersAndArrays() throws {
        #expect(try parseError(#"{"v": [1, [2]]}"#) == "t.json:1:11: variable 'v' mixes numbers and arrays: element 2 is an array but element 1 is a number")
        #expect(try parseError(#"{"m": [[1], 2]}"#) == "t.json:1:13: variable 'm' mixes arrays and numbers: element 2 is a number but element 1 is an array")
    }

    @Test func nonNumericValues() throws {
        #expect(try parseError(#"{"y": [1, "abc"]}"#) == #"t.json:1:11: variable 'y' element 2 is a string ("abc"), not a number"#)
        #expect(try parseError(#"{"y": [1, 2, true]}"#) == "t.json:1:14: variable 'y' element 3 is a boolean, not a number")
        #expect(try parseError(#"{"y": null}"#) == "t.json:1:7: variable 'y' is null, not a number")
        #expect(try parseError(#"{"y": {"a": 1}}"#) == "t.json:1:7: variable 'y' is an object, not a number")
        #expect(try parseError(#"{"X": [[1, 2], [3, false]]}"#) == "t.json:1:20: variable 'X' row 2 column 2 is a boolean, not a number")
    }

    @Test(arguments: ["NaN", "Inf", "-Inf", "+inf", "Infinity", "-infinity"])
    func nonFiniteStrings(spelling: String) throws {
        let message = try parseError("{\"y\": [1, 2, 3, \"\(spelling)\"]}")
        #expect(message == "t.json:1:17: variable 'y' element 4 is not finite (\(spelling)); data must be finite")
    }

    @Test func nonFiniteScalarAndMatrixElement() throws {
        #expect(try parseError(#"{"s": "NaN"}"#) == "t.json:1:7: variable 's' is not finite (NaN); data must be finite")
        #expect(try parseError(#"{"X": [[1], ["Inf"]]}"#).contains("variable 'X' row 2 column 1 is not finite (Inf)"))
    }

    @Test func numberTooLargeForADouble() throws {
        #expect(try parseError(#"{"y": [1e999]}"#) == "t.json:1:8: variable 'y' element 1 is not finite (1e999 is too large)")
    }

    @Test func integerTooLargeToHoldExactly() throws {
        #expect(try parseError(#"{"N": 9007199254740993}"#) == "t.json:1:7: variable 'N' is the integer 9007199254740993, too large to hold exactly (the limit is 2^53)")
        #expect(try parseError(#"{"N": [100000000000000000000]}"#).contains("variable 'N' element 1 is the integer 100000000000000000000, too large"))
    }
}

@Suite struct StanJSONEncoding {
    @Test func writesCmdStanJSON() {
        let data = DataSet(["N": .integer(2), "y": .vector([0.5, 1]), "X": .matrix(rows: [[1, 2], [3, 4]])])
        #expect(StanJSON.encode(data) == """
            {
              "N": 2,
              "X": [[1.0, 2.0], [3.0, 4.0]],
              "y": [0.5, 1.0]
            }

            """)
        #expect(StanJSON.encode(DataSet()) == "{}\n")
    }

    @Test func roundTrips() throws {
        let data = DataSet([
            "J": .integer(8),
            "real_whole": .scalar(2),
            "tiny": .scalar(-1e-300),
            "big": .scalar(1e20),
            "third": .scalar(1.0 / 3),
            "y": .integers([28, 8, -3, 7, -1, 1, 18, 12]),
            "sigma": .vector([15, 10.5, 1e-7]),
            "X": .matrix(rows: [[1, 0.1], [-2.5, 3]]),
            "counts": DataArray(shape: [2, 2], values: [1, 2, 3, 4], isInteger: true),
            "empty": DataArray(shape: [0], values: [], isInteger: true),
            "noColumns": DataArray(shape: [3, 0], values: [], isInteger: true),
            "odd \"name\"\\\n\té": .scalar(1),
        ], source: "t.json")
        let text = StanJSON.encode(data)
        #expect(try StanJSON.parse(text, source: "t.json") == data)
    }

    @Test func nonFiniteValuesAreWrittenAsCmdStanStrings() {
        let data = DataSet(["v": .vector([.nan, .infinity, -.infinity])])
        #expect(StanJSON.encode(data) == "{\n  \"v\": [\"NaN\", \"Inf\", \"-Inf\"]\n}\n")
    }
}
