package io.pitiserve.common.image;

/**
 * Turns a client's input file into the condition image the encoder was trained on, refusing input
 * that the model would misread.
 *
 * <p>Every implementation first checks the file size and the header against its {@link InputLimits}
 * (so oversized or bomb-like files are refused before decoding), then decodes, validates and resizes
 * to {@link #size()} x {@link #size()} pixels with Pillow's NEAREST convention, aspect ratio ignored.
 * Implementations are immutable and thread-safe.
 */
public sealed interface ConditionPreprocessor permits MaskPreprocessor, SketchPreprocessor, DepthPreprocessor {

    /** PITI's condition encoder sees 256 x 256 pixels. */
    int DEFAULT_SIZE = 256;

    /**
     * Validates and converts {@code file} (the bytes of a PNG or JPEG file).
     *
     * @throws InvalidInputException when the input cannot be used; its {@code code()} says why
     */
    ConditionImage prepare(byte[] file);

    /**
     * Refuses {@code file} exactly as {@link #prepare} would, without building the condition image;
     * for callers that only decide whether to accept an input.
     *
     * @throws InvalidInputException when the input cannot be used; its {@code code()} says why
     */
    default void validate(byte[] file) {
        prepare(file);
    }

    /** The input kind this preprocessor handles. */
    InputKind kind();

    /** Width and height of the output, in pixels. */
    int size();

    /** Limits applied before decoding. */
    InputLimits limits();
}
