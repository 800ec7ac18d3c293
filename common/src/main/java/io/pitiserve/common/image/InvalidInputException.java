package io.pitiserve.common.image;

import java.util.Objects;

/**
 * A client's input image cannot be used as a condition, for a reason that retrying will not change.
 *
 * <p>The {@link #code()} is stable and machine-readable (it ends up in the Problem Details body and in
 * the job's failure event); the message is for a developer and names what is wrong, where (pixel
 * coordinates, x to the right and y down from the top-left corner of the original image) and the limit
 * or the accepted alternatives.
 */
public final class InvalidInputException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why the input was refused; each reason has a stable wire code. */
    public enum Reason {
        /** Not a PNG or JPEG, or a format the input kind does not accept (a JPEG mask). */
        UNSUPPORTED_FORMAT("unsupported_format"),
        /** Zero bytes. */
        EMPTY_INPUT("empty_input"),
        /** More bytes than {@link InputLimits#maxBytes()}. */
        INPUT_TOO_LARGE("input_too_large"),
        /** Declared pixel dimensions over {@link InputLimits}; refused before decoding. */
        DIMENSIONS_TOO_LARGE("dimensions_too_large"),
        /** The file ends before the image data does. */
        TRUNCATED_IMAGE("truncated_image"),
        /** The file is damaged or inconsistent (bad header fields, undecodable data). */
        CORRUPT_IMAGE("corrupt_image"),
        /** A valid image of a pixel type we do not accept (16-bit, CMYK, grey label map of 4 bits...). */
        UNSUPPORTED_IMAGE_TYPE("unsupported_image_type"),
        /** A pixel that is not fully opaque; we refuse to guess what the client meant by it. */
        TRANSPARENT_PIXELS("transparent_pixels"),
        /** A colour-coded mask pixel whose colour is neither a COCO-Stuff class colour nor black. */
        UNKNOWN_PALETTE_COLOUR("unknown_palette_colour"),
        /** A label-id mask pixel whose value is neither a class id (0..181) nor 255 (unlabelled). */
        UNKNOWN_LABEL("unknown_label"),
        /** A sketch without a single edge pixel: it would silently act as the unconditional input. */
        EMPTY_SKETCH("empty_sketch"),
        /** A depth input that is not two side-by-side halves of equal width. */
        INVALID_DEPTH_LAYOUT("invalid_depth_layout");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        /** The stable wire code, snake_case. */
        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public InvalidInputException(Reason reason, String message) {
        super(Objects.requireNonNull(message, "message"));
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public InvalidInputException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    /** The stable wire code of {@link #reason()}, e.g. {@code unknown_palette_colour}. */
    public String code() {
        return reason.code();
    }

    /** Always false: the same bytes will be refused again. */
    public boolean retryable() {
        return false;
    }
}
