package io.pitiserve.worker.scheduler;

import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.ProgressListener;
import io.pitiserve.worker.engine.TranslationRequest;

import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * One job handed to the {@link StepScheduler}.
 *
 * @param jobId     for logs
 * @param tenant    whose weighted share the job counts against
 * @param priority  higher is admitted first, whatever the tenant (0 is normal)
 * @param model     the loaded model that runs it
 * @param request   the engine request
 * @param progress  told after each step of the job (on a scheduler thread: keep it cheap)
 * @param cancelled checked at every step boundary; true drops the job at the next step
 * @param deadline  the job is dropped at the first step boundary after it; null for none
 */
public record JobSpec(String jobId, String tenant, int priority, PitiModel model, TranslationRequest request,
                      ProgressListener progress, BooleanSupplier cancelled, Instant deadline) {

    public JobSpec {
        if (model == null || request == null) {
            throw new IllegalArgumentException("a job needs a model and a request");
        }
        tenant = tenant == null || tenant.isBlank() ? "-" : tenant;
        progress = progress == null ? ProgressListener.NONE : progress;
        cancelled = cancelled == null ? () -> false : cancelled;
    }

    /** A job of {@code tenant} with normal priority, no progress, never cancelled, no deadline. */
    public static JobSpec of(String jobId, String tenant, PitiModel model, TranslationRequest request) {
        return new JobSpec(jobId, tenant, 0, model, request, ProgressListener.NONE, () -> false, null);
    }
}
