/**
 * Reading and writing NumPy {@code .npy} float arrays: externally supplied noise and parity fixtures
 * shared with the Python tools.
 */
package io.pitiserve.common.npy;
