import TunerCore

/// Fits the Universal Scalability Law to the steps: concurrency N from Little's law (achieved rate × mean
/// latency) against throughput X. Since N/X is the mean latency W, the law reads
/// W = 1/λ + (σ/λ)(N − 1) + (κ/λ)N(N − 1): a linear least-squares fit in 1, N − 1 and N(N − 1).
enum ScalabilityFitter {
    static func fit(_ steps: [CapacityStep]) -> ScalabilityFit? {
        let points = steps.filter { $0.achievedRate > 0 && $0.mean > 0 }.map { (n: max($0.concurrency, 1e-9), x: $0.achievedRate) }
        guard points.count >= 3 else { return nil }
        // Normal equations for W = a + b(N − 1) + c·N(N − 1), with a, b, c ≥ 0 (contention and coherency
        // cannot be negative): the full fit, then with c = 0, then with b = 0, keeping the best that is valid.
        let rows = points.map { (basis: [1, $0.n - 1, $0.n * ($0.n - 1)], w: $0.n / $0.x) }
        var best: (a: Double, b: Double, c: Double, r2: Double)?
        for use in [[0, 1, 2], [0, 1], [0, 2], [0]] {
            guard let solved = leastSquares(rows, using: use) else { continue }
            var coefficients = [0.0, 0.0, 0.0]
            for (index, column) in use.enumerated() { coefficients[column] = solved[index] }
            guard coefficients.allSatisfy({ $0 >= 0 }), coefficients[0] > 0 else { continue }
            let (a, b, c) = (coefficients[0], coefficients[1], coefficients[2])
            let r2 = rSquared(points, a: a, b: b, c: c)
            if best.map({ r2 > $0.r2 }) ?? true { best = (a, b, c, r2) }
        }
        guard let best else { return nil }
        let lambda = 1 / best.a
        let sigma = best.b / best.a
        let kappa = best.c / best.a
        var peakConcurrency: Double?
        var peakRate: Double?
        if kappa > 0 {
            let n = ((1 - sigma) / kappa).squareRoot()
            if n.isFinite && n > 0 {
                peakConcurrency = n
                peakRate = throughput(n, lambda: lambda, sigma: sigma, kappa: kappa)
            }
        } else if sigma > 0 {
            peakRate = lambda / sigma
        }
        return ScalabilityFit(lambda: lambda, sigma: sigma, kappa: kappa, rSquared: best.r2,
                              peakConcurrency: peakConcurrency, predictedPeakRate: peakRate, points: points.count)
    }

    static func throughput(_ n: Double, lambda: Double, sigma: Double, kappa: Double) -> Double {
        lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))
    }

    /// R² of the throughput the coefficients predict against the measured throughput.
    private static func rSquared(_ points: [(n: Double, x: Double)], a: Double, b: Double, c: Double) -> Double {
        let mean = points.reduce(0) { $0 + $1.x } / Double(points.count)
        var residual = 0.0
        var total = 0.0
        for point in points {
            let predicted = point.n / (a + b * (point.n - 1) + c * point.n * (point.n - 1))
            residual += (point.x - predicted) * (point.x - predicted)
            total += (point.x - mean) * (point.x - mean)
        }
        return total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
    }

    /// Least squares over the chosen basis columns (Gaussian elimination on the normal equations).
    private static func leastSquares(_ rows: [(basis: [Double], w: Double)], using columns: [Int]) -> [Double]? {
        let k = columns.count
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: k + 1), count: k)
        for row in rows {
            for i in 0..<k {
                for j in 0..<k { matrix[i][j] += row.basis[columns[i]] * row.basis[columns[j]] }
                matrix[i][k] += row.basis[columns[i]] * row.w
            }
        }
        for pivot in 0..<k {
            guard let best = (pivot..<k).max(by: { abs(matrix[$0][pivot]) < abs(matrix[$1][pivot]) }),
                  abs(matrix[best][pivot]) > 1e-12
            else { return nil }
            matrix.swapAt(pivot, best)
            for row in 0..<k where row != pivot {
                let factor = matrix[row][pivot] / matrix[pivot][pivot]
                for column in pivot...k { matrix[row][column] -= factor * matrix[pivot][column] }
            }
        }
        return (0..<k).map { matrix[$0][k] / matrix[$0][$0] }
    }
}
