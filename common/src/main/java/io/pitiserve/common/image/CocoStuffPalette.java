package io.pitiserve.common.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The 182 COCO-Stuff classes and the colour each one has in a colour-coded mask, as PITI's mask models
 * were trained on them: label {@code c} (0..181) is drawn in the PASCAL-VOC-style colormap colour of
 * {@code c + 1}, and {@link #UNLABELLED} (255) is black.
 *
 * <p>Loaded from the classpath resource {@value #RESOURCE}; colours are packed as {@code 0xRRGGBB}.
 */
public final class CocoStuffPalette {

    /** Label value of unlabelled pixels in a label-id mask. */
    public static final int UNLABELLED = 255;
    /** Colour of unlabelled pixels: black. */
    public static final int UNLABELLED_RGB = 0x000000;
    /** Number of classes, labels 0..{@code CLASS_COUNT - 1}. */
    public static final int CLASS_COUNT = 182;
    static final String RESOURCE = "/pitiserve/coco-stuff-classes.json";

    private static final int COLOUR_SLOT_BITS = 10;
    private static final int COLOUR_SLOTS = 1 << COLOUR_SLOT_BITS;
    private static final CocoStuffPalette STANDARD = load();

    private final int[] rgbByLabel;
    private final List<String> names;
    private final Map<Integer, Integer> labelByRgb;
    /**
     * The class colours in an open-addressed table for {@link #contains}, which runs for every
     * colour change of every uploaded mask: no boxing, one or two probes. Empty slots hold -1.
     */
    private final int[] colourSlots = new int[COLOUR_SLOTS];

    private CocoStuffPalette(int[] rgbByLabel, List<String> names) {
        this.rgbByLabel = rgbByLabel;
        this.names = Collections.unmodifiableList(names);
        java.util.Arrays.fill(colourSlots, -1);
        for (int rgb : rgbByLabel) {
            int slot = slotOf(rgb);
            while (colourSlots[slot] != -1) {
                slot = (slot + 1) & (COLOUR_SLOTS - 1);
            }
            colourSlots[slot] = rgb;
        }
        this.labelByRgb = new HashMap<>();
        for (int label = 0; label < rgbByLabel.length; label++) {
            if (rgbByLabel[label] == UNLABELLED_RGB || labelByRgb.put(rgbByLabel[label], label) != null) {
                throw new IllegalStateException(RESOURCE + ": the colour of label " + label
                        + " is black or repeats another label's colour");
            }
        }
    }

    private static int slotOf(int rgb) {
        return (rgb * 0x9E3779B1) >>> (Integer.SIZE - COLOUR_SLOT_BITS);
    }

    /** The palette PITI's released mask checkpoints expect. */
    public static CocoStuffPalette standard() {
        return STANDARD;
    }

    private static CocoStuffPalette load() {
        try (InputStream in = CocoStuffPalette.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing");
            }
            JsonNode classes = JsonMapper.builder().build().readTree(in).required("classes");
            if (classes.size() != CLASS_COUNT) {
                throw new IllegalStateException(RESOURCE + " lists " + classes.size() + " classes, expected "
                        + CLASS_COUNT);
            }
            int[] rgb = new int[CLASS_COUNT];
            List<String> names = new ArrayList<>(CLASS_COUNT);
            for (int i = 0; i < CLASS_COUNT; i++) {
                JsonNode entry = classes.get(i);
                int label = entry.required("label").intValue();
                if (label != i) {
                    throw new IllegalStateException(RESOURCE + ": entry " + i + " has label " + label);
                }
                JsonNode colour = entry.required("rgb");
                rgb[i] = channel(colour, 0) << 16 | channel(colour, 1) << 8 | channel(colour, 2);
                names.add(entry.required("name").asString());
            }
            return new CocoStuffPalette(rgb, names);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private static int channel(JsonNode colour, int index) {
        int value = colour.required(index).intValue();
        if (colour.size() != 3 || value < 0 || value > 255) {
            throw new IllegalStateException(RESOURCE + ": bad colour " + colour);
        }
        return value;
    }

    /** Packed {@code 0xRRGGBB} of {@code label} (0..181, or 255 for black). */
    public int rgbOf(int label) {
        if (label == UNLABELLED) {
            return UNLABELLED_RGB;
        }
        if (label < 0 || label >= CLASS_COUNT) {
            throw new IllegalArgumentException("label must be in 0.." + (CLASS_COUNT - 1) + " or 255, was " + label);
        }
        return rgbByLabel[label];
    }

    /** Whether {@code rgb} (packed {@code 0xRRGGBB}) is a class colour or black. */
    public boolean contains(int rgb) {
        if (rgb == UNLABELLED_RGB) {
            return true;
        }
        for (int slot = slotOf(rgb); colourSlots[slot] != -1; slot = (slot + 1) & (COLOUR_SLOTS - 1)) {
            if (colourSlots[slot] == rgb) {
                return true;
            }
        }
        return false;
    }

    /** The label drawn in {@code rgb}: a class id, {@link #UNLABELLED} for black, or -1 if none. */
    public int labelOf(int rgb) {
        if (rgb == UNLABELLED_RGB) {
            return UNLABELLED;
        }
        return labelByRgb.getOrDefault(rgb, -1);
    }

    /** The class name of {@code label} (0..181), e.g. "person" for 0. */
    public String nameOf(int label) {
        if (label < 0 || label >= CLASS_COUNT) {
            throw new IllegalArgumentException("label must be in 0.." + (CLASS_COUNT - 1) + ", was " + label);
        }
        return names.get(label);
    }
}
