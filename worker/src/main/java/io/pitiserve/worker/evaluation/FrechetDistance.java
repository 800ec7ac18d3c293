package io.pitiserve.worker.evaluation;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians fitted to patch statistics:
 * {@code |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^(1/2))}, floored at 0 as the tools scorer does.
 *
 * <p>Only the trace of the matrix square root is needed. {@code S1 S2} is similar to the symmetric
 * positive semi-definite {@code S1^(1/2) S2 S1^(1/2)}, so the trace is the sum of the square roots of
 * that matrix's eigenvalues: two symmetric eigen-decompositions (EJML's), real and stable, instead of
 * the general complex Schur-based square root ({@code scipy.linalg.sqrtm}) whose imaginary round-off
 * the tools discard.
 */
public final class FrechetDistance {

    private FrechetDistance() {
    }

    /** The distance between the Gaussians of {@code a} and {@code b}. */
    public static double between(PatchStatistics a, PatchStatistics b) {
        double[] mu1 = a.mean();
        double[] mu2 = b.mean();
        DMatrixRMaj s1 = new DMatrixRMaj(a.covariance());
        DMatrixRMaj s2 = new DMatrixRMaj(b.covariance());
        double meanTerm = 0;
        for (int i = 0; i < mu1.length; i++) {
            meanTerm += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
        }
        DMatrixRMaj root1 = symmetricSqrt(s1);
        DMatrixRMaj product = new DMatrixRMaj(s1.numRows, s1.numCols);
        DMatrixRMaj middle = new DMatrixRMaj(s1.numRows, s1.numCols);
        CommonOps_DDRM.mult(root1, s2, product);
        CommonOps_DDRM.mult(product, root1, middle);
        symmetrise(middle);
        double traceOfRoot = 0;
        for (double eigenvalue : eigenvalues(middle)) {
            traceOfRoot += Math.sqrt(Math.max(eigenvalue, 0));
        }
        return Math.max(0, meanTerm + CommonOps_DDRM.trace(s1) + CommonOps_DDRM.trace(s2) - 2 * traceOfRoot);
    }

    /** {@code V diag(sqrt(max(l, 0))) V^T} of a symmetric matrix {@code V diag(l) V^T}. */
    static DMatrixRMaj symmetricSqrt(DMatrixRMaj symmetric) {
        int n = symmetric.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, true, true);
        if (!eig.decompose(symmetric.copy())) {
            throw new ArithmeticException("eigen-decomposition failed");
        }
        DMatrixRMaj root = new DMatrixRMaj(n, n);
        for (int k = 0; k < n; k++) {
            double scale = Math.sqrt(Math.max(eig.getEigenvalue(k).getReal(), 0));
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    root.add(i, j, scale * v.get(i) * v.get(j));
                }
            }
        }
        return root;
    }

    private static double[] eigenvalues(DMatrixRMaj symmetric) {
        int n = symmetric.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(n, false, true);
        if (!eig.decompose(symmetric.copy())) {
            throw new ArithmeticException("eigen-decomposition failed");
        }
        double[] values = new double[eig.getNumberOfEigenvalues()];
        for (int k = 0; k < values.length; k++) {
            values[k] = eig.getEigenvalue(k).getReal();
        }
        return values;
    }

    /** Removes the round-off asymmetry of a product that is symmetric in exact arithmetic. */
    private static void symmetrise(DMatrixRMaj m) {
        for (int i = 0; i < m.numRows; i++) {
            for (int j = i + 1; j < m.numCols; j++) {
                double mean = 0.5 * (m.get(i, j) + m.get(j, i));
                m.set(i, j, mean);
                m.set(j, i, mean);
            }
        }
    }
}
