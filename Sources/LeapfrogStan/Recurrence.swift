import LeapfrogModel

/// A `for` loop being lowered as a recurrence (the graph's `loop`, `LoopStructure`): its step
/// variable, the loop node, and what it carries from one step to the next.
///
/// - A variable declared outside the loop and assigned as `x[t] = …` (t the loop's variable) is
///   carried by rows: `x[t - 1]` reads the carry (x's previous row), `x[t - k]` one of the older
///   rows carried along with it, `x[t]` the row being built (a local symbol named `x[t]`); after
///   the loop x is the prior value with rows from…to replaced (`stack`).
/// - A variable assigned otherwise (`mu += …`, `acc[j] = …` in a nested loop) is carried whole:
///   inside the body it reads the carry; after the loop, its state after the last step (`last`).
/// - Terms (`~`, `target +=`) inside the body are summed in a carried accumulator that is added
///   to the enclosing target after the loop.
final class Recurrence {
    let variable: String
    let loop: Expr
    let location: StanSourceLocation
    /// Row-carried variables: the carry (the previous row) and the symbol of the current row.
    var rows: [String: (carry: Expr, current: String, prior: Value?)] = [:]
    /// Older rows of a row-carried variable that the body reads (`x[t - 2]`, a moving average's
    /// second lag): carries of rows t − 2, t − 3, … in order, each taking the next younger's value.
    var older: [String: [Expr]] = [:]
    /// Constant rows assigned element by element (`gamma[1, k] = …` in a loop over k): the row
    /// and the symbol that stands for it.
    var constantRows: [String: (row: Int, symbol: String)] = [:]
    /// Each row-carried variable's row at the end of a step (stacked after the loop).
    var finals: [String: Expr] = [:]
    /// The first step, where the loop's lower bound is a constant.
    var firstStep: Int?
    /// Whole-carried variables and their carries.
    var whole: [String: Expr] = [:]
    /// The accumulated terms of the current step, and the accumulator's carry.
    var target: Expr?
    var targetCarry: Expr?

    init(variable: String, loop: Expr, location: StanSourceLocation) {
        self.variable = variable
        self.loop = loop
        self.location = location
    }

    /// The symbol that stands for row `variable` of `name` inside the body.
    func rowName(_ name: String) -> String { "\(name)[\(variable)]" }
}
