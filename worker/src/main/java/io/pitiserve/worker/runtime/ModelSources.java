package io.pitiserve.worker.runtime;

import io.pitiserve.common.storage.S3Properties;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.storage.S3Settings;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.models.BundledModels;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a worker's models come from. A source is a model directory, {@code s3://<bucket>/<prefix>/}
 * (downloaded into the model cache) or {@code bundled:<name>} (extracted from the jar).
 */
final class ModelSources {

    static final String BUNDLED = "bundled:";

    private ModelSources() {
    }

    /**
     * The sources this worker serves: {@code models}, else {@code model-source}, else {@code model-dir},
     * else the bundled default model.
     */
    static List<String> configured(WorkerProperties worker) {
        if (!worker.models().isEmpty()) {
            return worker.models();
        }
        if (worker.modelSource() != null && !worker.modelSource().isBlank()) {
            return List.of(worker.modelSource().strip());
        }
        if (worker.modelDir() != null) {
            return List.of(worker.modelDir().toString());
        }
        return List.of(BUNDLED + BundledModels.DEFAULT_MODEL);
    }

    /** The local directory of every configured source, in order. */
    static List<Path> directories(WorkerProperties worker, S3Properties s3, Precision precision) {
        List<Path> directories = new ArrayList<>();
        for (String source : configured(worker)) {
            directories.add(directory(source, worker, s3, precision));
        }
        return directories;
    }

    static Path directory(String source, WorkerProperties worker, S3Properties s3, Precision precision) {
        if (source.startsWith(BUNDLED)) {
            return BundledModels.extract(source.substring(BUNDLED.length()),
                    worker.modelCacheDir() != null ? worker.modelCacheDir() : BundledModels.defaultCacheRoot());
        }
        if (!S3ModelSource.Location.isS3(source)) {
            return Path.of(source);
        }
        S3ModelSource.Location location = S3ModelSource.Location.parse(source);
        S3Settings settings = s3.settings();
        S3Settings modelBucket = new S3Settings(settings.endpoint(), settings.region(), location.bucket(),
                settings.accessKey(), settings.secretKey(), settings.pathStyle());
        try (S3ObjectStore store = new S3ObjectStore(modelBucket)) {
            return new S3ModelSource(store, location, worker.s3ModelCacheDir()).fetch(precision);
        }
    }
}
