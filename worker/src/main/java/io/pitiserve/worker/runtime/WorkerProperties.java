package io.pitiserve.worker.runtime;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.springframework.util.unit.DataSize;

/**
 * How the worker service runs jobs ({@code pitiserve.worker.*}).
 *
 * @param models               the models this worker serves, each on its own request lane: model directories,
 *                             {@code s3://<bucket>/<prefix>/} sources or {@code bundled:<name>}; empty for the one
 *                             of {@code model-source} or {@code model-dir}, else the bundled default model
 * @param modelDir             model directory; null for the bundled default model (or {@code model-source})
 * @param modelSource          where the model comes from: a directory, or {@code s3://<bucket>/<prefix>/}
 *                             holding model.json and the files its sha256 map names (downloaded into the
 *                             model cache); null for {@code model-dir} or the bundled default model
 * @param modelCacheDir        where bundled models are extracted ({@code $PITISERVE_CACHE_DIR/models} or
 *                             {@code ~/.cache/pitiserve/models} when null) and, under {@code s3/}, where
 *                             models from S3 are kept ({@code ${java.io.tmpdir}/pitiserve-models/s3}
 *                             when null), one directory per model.json sha256
 * @param device               cpu, gpu or gpu:N
 * @param threads              PyTorch intra-op threads per decoder call; 0 shares the cores out between
 *                             the scheduler's compute threads (PyTorch's default when there are none)
 * @param concurrency          jobs in flight at the same time: records taken from the requests topic and
 *                             not finished, and the step scheduler's admission limit (batching needs > 1)
 * @param groupId              consumer group of the requests topic (KEDA scales on its lag)
 * @param id                   this worker's name in TranslationStarted; null for the host name
 * @param progressInterval     at most one TranslationProgress per job per interval (plus each stage's last step)
 * @param drainTimeout         how long revocation and shutdown wait for in-flight jobs
 * @param pollTimeout          longest wait of one poll of the requests topic
 * @param retryInitialBackoff  first wait after a transient object-store or broker failure
 * @param retryMaxBackoff      longest wait between two tries (transient failures are retried until they pass)
 * @param cancellationCatchUp  how long a job waits for the control topic to be read up to its arrival
 * @param memoryBudget         memory the served models may take together (checked at load from an estimate per
 *                             model); null for the machine's memory less the JVM heap on a CPU, unchecked on a GPU
 * @param heartbeatInterval    how often the worker renews its models' catalogue announcements (the lease is three)
 */
@ConfigurationProperties("pitiserve.worker")
public record WorkerProperties(
        @DefaultValue List<String> models,
        Path modelDir,
        String modelSource,
        Path modelCacheDir,
        @DefaultValue("cpu") String device,
        @DefaultValue("0") int threads,
        @DefaultValue("8") int concurrency,
        @DefaultValue("pitiserve-worker") String groupId,
        String id,
        @DefaultValue("250ms") Duration progressInterval,
        @DefaultValue("30s") Duration drainTimeout,
        @DefaultValue("200ms") Duration pollTimeout,
        @DefaultValue("200ms") Duration retryInitialBackoff,
        @DefaultValue("10s") Duration retryMaxBackoff,
        @DefaultValue("5s") Duration cancellationCatchUp,
        DataSize memoryBudget,
        @DefaultValue("10s") Duration heartbeatInterval) {

    public WorkerProperties {
        models = models == null ? List.of() : models.stream().map(String::strip).filter(m -> !m.isEmpty()).toList();
        require(models.isEmpty() || (modelDir == null && (modelSource == null || modelSource.isBlank())),
                "set pitiserve.worker.models, or one of pitiserve.worker.model-source and pitiserve.worker.model-dir,"
                        + " not both");
        require(heartbeatInterval.toMillis() >= 100, "pitiserve.worker.heartbeat-interval must be >= 100ms");
        require(memoryBudget == null || memoryBudget.toBytes() > 0, "pitiserve.worker.memory-budget must be positive");
        require(modelDir == null || modelSource == null || modelSource.isBlank(),
                "set pitiserve.worker.model-source or pitiserve.worker.model-dir, not both");
        require(concurrency >= 1, "pitiserve.worker.concurrency must be >= 1, got " + concurrency);
        require(threads >= 0, "pitiserve.worker.threads must be >= 0, got " + threads);
        require(groupId != null && !groupId.isBlank(), "pitiserve.worker.group-id must not be blank");
        require(!progressInterval.isNegative(), "pitiserve.worker.progress-interval must not be negative");
        require(!drainTimeout.isNegative(), "pitiserve.worker.drain-timeout must not be negative");
        require(pollTimeout.toMillis() > 0, "pitiserve.worker.poll-timeout must be positive");
        require(retryInitialBackoff.toMillis() > 0, "pitiserve.worker.retry-initial-backoff must be positive");
        require(retryMaxBackoff.compareTo(retryInitialBackoff) >= 0,
                "pitiserve.worker.retry-max-backoff must be >= pitiserve.worker.retry-initial-backoff");
        require(!cancellationCatchUp.isNegative(), "pitiserve.worker.cancellation-catch-up must not be negative");
        require(device != null && (device.equals("cpu") || device.matches("gpu(:\\d+)?")),
                "pitiserve.worker.device must be cpu, gpu or gpu:N, got '" + device + "'");
    }

    /** The S3 model cache: {@code model-cache-dir/s3}, or {@code ${java.io.tmpdir}/pitiserve-models/s3}. */
    public Path s3ModelCacheDir() {
        Path root = modelCacheDir != null ? modelCacheDir
                : Path.of(System.getProperty("java.io.tmpdir"), "pitiserve-models");
        return root.resolve("s3");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
