/// A dense matrix of doubles in column-major order, the layout BLAS expects:
/// element (i, j) is `values[i + j * rows]`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.rows = rows
        self.columns = columns
        values = Array(repeating: value, count: rows * columns)
    }

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "matrix needs \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row + column * rows] }
        set { values[row + column * rows] = newValue }
    }

    /// Whether only the diagonal can be non-zero.
    public var isDiagonal: Bool {
        for j in 0..<columns { for i in 0..<rows where i != j && self[i, j] != 0 { return false } }
        return true
    }

    /// diag(d) · self: scales row i by d[i].
    public func scalingRows(by d: [Double]) -> Matrix {
        precondition(d.count == rows)
        var m = self
        for j in 0..<columns { for i in 0..<rows { m[i, j] *= d[i] } }
        return m
    }

    /// self · other through BLAS `dgemm`.
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.columns == rhs.rows, "matrix shapes do not conform")
        var out = Matrix(rows: lhs.rows, columns: rhs.columns)
        lhs.values.withUnsafeBufferPointer { a in
            rhs.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(m: lhs.rows, n: rhs.columns, k: lhs.columns, a: a.baseAddress!, b: b.baseAddress!, c: c.baseAddress!)
                }
            }
        }
        return out
    }
}
