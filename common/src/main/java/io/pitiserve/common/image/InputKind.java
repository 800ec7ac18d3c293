package io.pitiserve.common.image;

import java.util.Locale;
import java.util.Objects;

/** The kinds of condition image piti-serve accepts, with the number of planes each becomes. */
public enum InputKind {
    /** COCO-Stuff segmentation mask, colour-coded or label-id; 3 planes (RGB of the class colour). */
    MASK(3),
    /** Edge sketch, white on black; 1 plane (distance to the nearest edge). */
    SKETCH(1),
    /** Normal map and jet-coloured log depth side by side; 6 planes. */
    DEPTH(6);

    private final int channels;

    InputKind(int channels) {
        this.channels = channels;
    }

    /** Planes of the {@link ConditionImage} this kind produces. */
    public int channels() {
        return channels;
    }

    /** The lower-case name used on the wire ({@code task} parameter): mask, sketch, depth. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The kind named {@code wireName} (mask, sketch or depth, case-insensitive).
     *
     * @throws IllegalArgumentException for any other name, listing the accepted ones
     */
    public static InputKind fromWireName(String wireName) {
        Objects.requireNonNull(wireName, "wireName");
        for (InputKind kind : values()) {
            if (kind.wireName().equalsIgnoreCase(wireName.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown input kind '" + wireName + "'; expected mask, sketch or depth");
    }

    /** A preprocessor for this kind with {@link InputLimits#DEFAULT} and 256 x 256 output. */
    public ConditionPreprocessor preprocessor() {
        return preprocessor(InputLimits.DEFAULT, ConditionPreprocessor.DEFAULT_SIZE);
    }

    /** A preprocessor for this kind with the given limits and output size in pixels. */
    public ConditionPreprocessor preprocessor(InputLimits limits, int size) {
        return switch (this) {
            case MASK -> new MaskPreprocessor(limits, size);
            case SKETCH -> new SketchPreprocessor(limits, size);
            case DEPTH -> new DepthPreprocessor(limits, size);
        };
    }
}
