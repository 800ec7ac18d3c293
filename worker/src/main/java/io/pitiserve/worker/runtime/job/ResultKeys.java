package io.pitiserve.worker.runtime.job;

/** Object keys of a job's results: {@code results/{jobId}/sample-{i}.png}, {@code base-{i}.png}, {@code manifest.json}. */
public final class ResultKeys {

    private ResultKeys() {
    }

    public static String sample(String jobId, int index) {
        return "results/" + jobId + "/sample-" + index + ".png";
    }

    public static String base(String jobId, int index) {
        return "results/" + jobId + "/base-" + index + ".png";
    }

    public static String manifest(String jobId) {
        return "results/" + jobId + "/manifest.json";
    }
}
