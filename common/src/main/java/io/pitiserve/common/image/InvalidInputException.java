package io.pitiserve.common.image;

import java.util.Objects;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/**
 * A client's input image cannot be used as a condition, for a reason that retrying will not change.
 *
 * <p>The {@link #code()} is stable and machine-readable (it ends up in the Problem Details body and in
 * the job's failure event); the message is for a developer and names what is wrong, where (pixel
 * coordinates, x to the right and y down from the top-left corner of the original image) and the limit
 * or the accepted alternatives.
 */
public final class InvalidInputException extends ServiceException {

    private static final long serialVersionUID = 1L;

    /** Why the input was refused; each reason has a stable wire code. */
    public enum Reason {
        /** Not a PNG or JPEG, or a format the input kind does not accept (a JPEG mask). */
        UNSUPPORTED_FORMAT(ErrorCode.UNSUPPORTED_FORMAT),
        /** Zero bytes. */
        EMPTY_INPUT(ErrorCode.EMPTY_INPUT),
        /** More bytes than {@link InputLimits#maxBytes()}. */
        INPUT_TOO_LARGE(ErrorCode.INPUT_TOO_LARGE),
        /** Declared pixel dimensions over {@link InputLimits}; refused before decoding. */
        DIMENSIONS_TOO_LARGE(ErrorCode.DIMENSIONS_TOO_LARGE),
        /** The file ends before the image data does. */
        TRUNCATED_IMAGE(ErrorCode.TRUNCATED_IMAGE),
        /** The file is damaged or inconsistent (bad header fields, undecodable data). */
        CORRUPT_IMAGE(ErrorCode.CORRUPT_IMAGE),
        /** A valid image of a pixel type we do not accept (16-bit, CMYK, grey label map of 4 bits...). */
        UNSUPPORTED_IMAGE_TYPE(ErrorCode.UNSUPPORTED_IMAGE_TYPE),
        /** A pixel that is not fully opaque; we refuse to guess what the client meant by it. */
        TRANSPARENT_PIXELS(ErrorCode.TRANSPARENT_PIXELS),
        /** A colour-coded mask pixel whose colour is neither a COCO-Stuff class colour nor black. */
        UNKNOWN_PALETTE_COLOUR(ErrorCode.UNKNOWN_PALETTE_COLOUR),
        /** A label-id mask pixel whose value is neither a class id (0..181) nor 255 (unlabelled). */
        UNKNOWN_LABEL(ErrorCode.UNKNOWN_LABEL),
        /** A sketch without a single edge pixel: it would silently act as the unconditional input. */
        EMPTY_SKETCH(ErrorCode.EMPTY_SKETCH),
        /** A depth input that is not two side-by-side halves of equal width. */
        INVALID_DEPTH_LAYOUT(ErrorCode.INVALID_DEPTH_LAYOUT);

        private final ErrorCode code;

        Reason(ErrorCode code) {
            this.code = code;
        }

        /** The stable code; its wire string is snake_case. */
        public ErrorCode code() {
            return code;
        }
    }

    private final Reason reason;

    public InvalidInputException(Reason reason, String message) {
        super(reason.code(), Objects.requireNonNull(message, "message"));
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public InvalidInputException(Reason reason, String message, Throwable cause) {
        super(reason.code(), Objects.requireNonNull(message, "message"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
