package io.pitiserve.worker.engine.schedule;

import java.util.TreeSet;

/**
 * Parses a respacing string into the original timesteps that sampling visits.
 *
 * <p>Accepted forms: {@code "N,M,..."} (the original steps cut into equal sections, {@code N} steps
 * taken from the first, {@code M} from the second...), {@code "ddimN"} (an even stride giving N
 * steps) and {@code "fast27"} (PITI's upsampler schedule).
 */
public final class Respacing {

    private Respacing() {
    }

    /**
     * Returns the kept original timesteps in increasing order.
     *
     * @throws IllegalArgumentException naming the problem when the string is not a valid respacing
     */
    public static int[] keptSteps(String respacing, int originalSteps) {
        if (respacing == null || respacing.isBlank()) {
            throw new IllegalArgumentException("respacing must not be empty");
        }
        String spec = respacing.trim();
        if (spec.equals("fast27")) {
            int[] kept = sections("10,10,3,2,2", originalSteps, spec);
            // The reference swaps its last step for 997 (a slightly less noisy start).
            TreeSet<Integer> set = new TreeSet<>();
            for (int t : kept) {
                set.add(t);
            }
            if (set.remove(originalSteps - 1)) {
                set.add(originalSteps - 3);
            }
            return set.stream().mapToInt(Integer::intValue).toArray();
        }
        if (spec.startsWith("ddim")) {
            int wanted = parseCount(spec.substring(4), spec);
            for (int stride = 1; stride < originalSteps; stride++) {
                int count = (originalSteps + stride - 1) / stride;
                if (count == wanted) {
                    int[] kept = new int[count];
                    for (int k = 0; k < count; k++) {
                        kept[k] = k * stride;
                    }
                    return kept;
                }
            }
            throw new IllegalArgumentException(
                    "respacing '" + spec + "': no integer stride gives exactly " + wanted + " of "
                            + originalSteps + " steps");
        }
        return sections(spec, originalSteps, spec);
    }

    private static int[] sections(String counts, int originalSteps, String original) {
        String[] parts = counts.split(",");
        int sectionCount = parts.length;
        int baseSize = originalSteps / sectionCount;
        int extra = originalSteps % sectionCount;
        TreeSet<Integer> kept = new TreeSet<>();
        int start = 0;
        for (int s = 0; s < sectionCount; s++) {
            int size = baseSize + (s < extra ? 1 : 0);
            int count = parseCount(parts[s], original);
            if (count > size) {
                throw new IllegalArgumentException(
                        "respacing '" + original + "': cannot take " + count + " steps from a section of " + size);
            }
            if (count == 1) {
                kept.add(start);
            } else if (count > 1) {
                // Accumulated and rounded half-to-even, as the reference does, so that every
                // respacing string picks exactly the reference's steps.
                double stride = (double) (size - 1) / (count - 1);
                double position = 0;
                for (int j = 0; j < count; j++) {
                    kept.add(start + (int) Math.rint(position));
                    position += stride;
                }
            }
            start += size;
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("respacing '" + original + "' keeps no step");
        }
        return kept.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int parseCount(String text, String original) {
        try {
            int count = Integer.parseInt(text.trim());
            if (count < 0) {
                throw new NumberFormatException();
            }
            return count;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "respacing '" + original + "' is not valid: expected \"N,M,...\", \"ddimN\" or \"fast27\"");
        }
    }
}
