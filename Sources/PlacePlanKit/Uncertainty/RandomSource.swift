import Foundation

/// A small, fast, seedable generator (xoshiro256**), so that the same seed gives the same
/// draws on every machine. Each draw has its own stream, seeded from the run's seed and the
/// draw's index, so results do not depend on how draws are shared between threads.
public struct DrawRandom: RandomNumberGenerator, Sendable {
    var s0, s1, s2, s3: UInt64
    var spare: Double?

    public init(seed: UInt64, stream: UInt64) {
        // SplitMix64 expands (seed, stream) into the state.
        var x = seed &+ stream &* 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = next(); s1 = next(); s2 = next(); s3 = next()
    }

    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform on (0, 1).
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / 9_007_199_254_740_992.0 }

    /// Standard normal (Marsaglia's polar method, two at a time).
    public mutating func normal() -> Double {
        if let s = spare {
            spare = nil
            return s
        }
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let r = u * u + v * v
            if r > 0 && r < 1 {
                let f = (-2 * log(r) / r).squareRoot()
                spare = v * f
                return u * f
            }
        }
    }
}
