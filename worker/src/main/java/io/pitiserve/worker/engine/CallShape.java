package io.pitiserve.worker.engine;

import ai.djl.engine.EngineException;

/**
 * How one step's decoder rows are cut into decoder calls.
 *
 * <p>With {@code padded}, every call has exactly {@code rowsPerCall} rows: the last one is filled
 * with copies of one of its rows whose outputs are dropped. CPU and GPU kernels choose their loop
 * blocking and reduction order by the batch size, so a row's output can change in its last bits
 * with the number of rows in its call, but not with its position or with the other rows' values:
 * one call shape per stage makes a sample's result independent of whatever else is batched with it.
 *
 * @param rowsPerCall    the most rows of one call (>= 1)
 * @param padded         whether every call is padded to exactly {@code rowsPerCall} rows
 * @param deviceRowLimit a call with more rows than this fails as a device out of memory does (0 = no
 *                       limit); stands in for a device's memory in tests and benchmarks
 */
public record CallShape(int rowsPerCall, boolean padded, int deviceRowLimit) {

    /** All rows in one call, no padding, no limit. */
    public static final CallShape ONE_CALL = new CallShape(Integer.MAX_VALUE, false, 0);

    public CallShape {
        if (rowsPerCall < 1) {
            throw new IllegalArgumentException("rows per call must be >= 1, got " + rowsPerCall);
        }
        if (deviceRowLimit < 0) {
            throw new IllegalArgumentException("device row limit must be >= 0, got " + deviceRowLimit);
        }
        if (padded && rowsPerCall == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a padded call shape needs a finite number of rows");
        }
    }

    /** This shape with at most {@code rows} rows per call. */
    public CallShape withRowsPerCall(int rows) {
        return new CallShape(rows, padded, deviceRowLimit);
    }

    /**
     * Throws what PyTorch throws when a call does not fit the device's memory if {@code rows} exceed
     * the simulated limit, so that the scheduler meets the same failure as on a full GPU.
     */
    void checkFits(int rows) {
        if (deviceRowLimit > 0 && rows > deviceRowLimit) {
            throw new EngineException("CUDA out of memory (simulated): a decoder call of " + rows
                    + " rows exceeds the device row limit of " + deviceRowLimit);
        }
    }
}
