package io.pitiserve.worker.models;

import io.pitiserve.common.events.Topics;
import io.pitiserve.worker.engine.PitiModel;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models one worker serves, each on its own request lane, with the typical wall time of its
 * recent jobs. Closing it closes every model.
 */
public final class ServedModels implements AutoCloseable {

    /** Jobs whose times make a model's typical job time. */
    static final int RECENT_JOBS = 50;

    private final Map<String, PitiModel> byLane = new LinkedHashMap<>();
    private final Map<String, Deque<Double>> recentJobMs = new LinkedHashMap<>();

    /**
     * @throws IllegalArgumentException when two models share a name (and so a lane)
     */
    public ServedModels(List<PitiModel> models, Topics topics) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one model");
        }
        for (PitiModel model : models) {
            String lane = topics.lane(model.manifest().name());
            PitiModel other = byLane.putIfAbsent(lane, model);
            if (other != null) {
                throw new IllegalArgumentException("two models named " + model.manifest().name() + " ("
                        + label(other) + " and " + label(model) + "); a worker serves one version of a model");
            }
            recentJobMs.put(model.manifest().name(), new ArrayDeque<>());
        }
    }

    /** The models, in the order they were configured. */
    public List<PitiModel> models() {
        return List.copyOf(byLane.values());
    }

    /** The lanes this worker consumes. */
    public List<String> lanes() {
        return List.copyOf(byLane.keySet());
    }

    /** Each lane with the model served on it, in the order the models were configured. */
    public Map<String, PitiModel> byLane() {
        return java.util.Collections.unmodifiableMap(byLane);
    }

    /** Notes the wall time of a finished job of {@code model}. */
    public void jobFinished(String model, double millis) {
        Deque<Double> recent = recentJobMs.get(model);
        if (recent == null) {
            return;
        }
        synchronized (recent) {
            recent.addLast(millis);
            while (recent.size() > RECENT_JOBS) {
                recent.removeFirst();
            }
        }
    }

    /** The median wall time of the model's recent jobs in milliseconds, or null before its first. */
    public Double typicalJobMs(String model) {
        Deque<Double> recent = recentJobMs.get(model);
        if (recent == null) {
            return null;
        }
        double[] times;
        synchronized (recent) {
            times = recent.stream().mapToDouble(Double::doubleValue).toArray();
        }
        if (times.length == 0) {
            return null;
        }
        Arrays.sort(times);
        double median = times.length % 2 == 1 ? times[times.length / 2]
                : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
        return Math.round(median * 10) / 10.0;
    }

    /** {@code name@version} of every model, for logs and meters. */
    public String labels() {
        return String.join(",", byLane.values().stream().map(ServedModels::label).toList());
    }

    public static String label(PitiModel model) {
        return model.manifest().name() + "@" + model.manifest().version();
    }

    @Override
    public void close() {
        List<PitiModel> models = new java.util.ArrayList<>(byLane.values());
        Collections.reverse(models);
        RuntimeException failure = null;
        for (PitiModel model : models) {
            try {
                model.close();
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
