import COpenBLAS

/// The few BLAS routines placeplan uses, on column-major matrices. Pointers are only
/// valid within the caller's `withUnsafe...` scope.
public enum BLAS {
    /// C ← α·A·B + β·C, with A m×k, B k×n and C m×n, all column-major and tightly packed
    /// (leading dimensions m, k and m). Calls OpenBLAS `cblas_dgemm`.
    @inlinable
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
        beta: Double = 0, c: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_dgemm(
            CblasColMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(m), b, blasint(k), beta, c, blasint(m))
    }

    /// y ← α·A·x + β·y with A m×n column-major. Calls `cblas_dgemv`.
    @inlinable
    public static func gemv(
        m: Int, n: Int, alpha: Double = 1, a: UnsafePointer<Double>, x: UnsafePointer<Double>,
        beta: Double = 0, y: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemv(CblasColMajor, CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(m), x, 1, beta, y, 1)
    }

    /// Sets the number of threads OpenBLAS uses. OpenBLAS otherwise starts one per core;
    /// placeplan's matrices are small, so it runs BLAS on one thread unless told otherwise,
    /// which also keeps results identical whatever the machine.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }
}
