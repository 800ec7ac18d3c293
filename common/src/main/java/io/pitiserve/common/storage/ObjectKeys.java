package io.pitiserve.common.storage;

/**
 * The object keys every module agrees on; build keys here rather than by hand.
 * <ul>
 *   <li>{@code inputs/{tenant}/{jobId}} - the stored input, as uploaded</li>
 *   <li>{@code results/{jobId}/sample-{i}.png} - the 256 px samples, {@code i} from 0</li>
 *   <li>{@code results/{jobId}/base-{i}.png} - the 64 px base images, when asked for</li>
 *   <li>{@code results/{jobId}/manifest.json} - the TranslationSucceeded event's JSON, written last,
 *       so its presence means every result above is complete</li>
 *   <li>{@code results/{jobId}/evaluation.json} - an evaluation's table, and
 *       {@code results/{jobId}/evaluation/{setting}/{image}.png} its outputs</li>
 * </ul>
 */
public final class ObjectKeys {

    private ObjectKeys() {
    }

    public static String input(String tenant, String jobId) {
        return "inputs/" + segment(tenant, "tenant") + "/" + segment(jobId, "jobId");
    }

    public static String resultsPrefix(String jobId) {
        return "results/" + segment(jobId, "jobId") + "/";
    }

    public static String sample(String jobId, int index) {
        return resultsPrefix(jobId) + "sample-" + index(index) + ".png";
    }

    public static String base(String jobId, int index) {
        return resultsPrefix(jobId) + "base-" + index(index) + ".png";
    }

    public static String manifest(String jobId) {
        return resultsPrefix(jobId) + "manifest.json";
    }

    /** The table of an evaluation job (written before its manifest). */
    public static String evaluation(String jobId) {
        return resultsPrefix(jobId) + "evaluation.json";
    }

    /** The output of an evaluation for setting {@code setting} (from 0) and the dataset image {@code name}. */
    public static String evaluationOutput(String jobId, int setting, String name) {
        return resultsPrefix(jobId) + "evaluation/" + index(setting) + "/" + segment(name, "name") + ".png";
    }

    private static String segment(String value, String name) {
        if (value == null || value.isBlank() || value.contains("/") || value.equals(".") || value.equals("..")) {
            throw new IllegalArgumentException(name + " is not a valid key segment: '" + value + "'");
        }
        return value;
    }

    private static int index(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0, was " + index);
        }
        return index;
    }
}
