import COpenBLAS
import Foundation
import Synchronization

/// Time spent inside BLAS calls, counted only while a benchmark turns it on.
public enum BLASTimer {
    static let enabled = Atomic<Bool>(false)
    static let nanoseconds = Atomic<UInt64>(0)

    public static func start() {
        nanoseconds.store(0, ordering: .relaxed)
        enabled.store(true, ordering: .relaxed)
    }

    /// Stops counting and returns the seconds spent in BLAS (summed over threads).
    public static func stop() -> Double {
        enabled.store(false, ordering: .relaxed)
        return Double(nanoseconds.load(ordering: .relaxed)) / 1e9
    }

    @usableFromInline static func measure(_ body: () -> Void) {
        guard enabled.load(ordering: .relaxed) else { return body() }
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        nanoseconds.add(DispatchTime.now().uptimeNanoseconds - start, ordering: .relaxed)
    }
}

/// The few BLAS routines placeplan uses, on column-major matrices. Pointers are only
/// valid within the caller's `withUnsafe...` scope.
public enum BLAS {
    /// C ← α·A·B + β·C, with A m×k, B k×n and C m×n, all column-major and tightly packed
    /// (leading dimensions m, k and m). Calls OpenBLAS `cblas_dgemm`.
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, b: UnsafePointer<Double>,
        beta: Double = 0, c: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        BLASTimer.measure {
            cblas_dgemm(
                CblasColMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                alpha, a, blasint(m), b, blasint(k), beta, c, blasint(m))
        }
    }

    /// C ← α·A·B + β·C on sub-matrices with explicit leading dimensions (column-major).
    public static func gemm(
        m: Int, n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        BLASTimer.measure {
            cblas_dgemm(
                CblasColMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
        }
    }

    /// y ← α·A·x + β·y with A m×n column-major. Calls `cblas_dgemv`.
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
    ///
    /// With one thread it also stops the thread pool OpenBLAS started when it was loaded: those
    /// threads otherwise spin (`sched_yield`) for about 2^28 cycles before they sleep, which on
    /// two cores took 0.1 s of CPU from the draws at every start. The pool is stopped through
    /// `blas_thread_shutdown_`, looked up at run time because only the threaded builds of
    /// OpenBLAS have it; OpenBLAS starts the pool again when it next has threaded work (after
    /// a call with more threads). Call it before BLAS work starts, not while other threads use it.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
        if n <= 1, let symbol = dlsym(nil, "blas_thread_shutdown_") {
            typealias Shutdown = @convention(c) () -> Int32
            _ = unsafeBitCast(symbol, to: Shutdown.self)()
        }
    }
}
