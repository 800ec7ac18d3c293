package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.InputLimits;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectTooLargeException;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.models.ServedModels;

import java.util.Optional;

/**
 * Reads and checks what a request brings: its params, the task they name against the lane's model,
 * and the stored input object (size-limited, present, matching the sha256 recorded at acceptance).
 * Every refusal is a {@link JobFailure} or an {@link InvalidInputException} naming the problem.
 */
final class JobIntake {

    private final ObjectStore store;

    JobIntake(ObjectStore store) {
        this.store = store;
    }

    /** The stored object, refused from the size the store reports when it is over the input limit. */
    Optional<byte[]> read(String key) {
        long maxBytes = InputLimits.DEFAULT.maxBytes();
        try {
            return store.get(key, maxBytes);
        } catch (ObjectTooLargeException e) {
            throw new InvalidInputException(InvalidInputException.Reason.INPUT_TOO_LARGE, "input object " + key
                    + " is " + (e.size() < 0 ? "larger than " + maxBytes : e.size()) + " bytes; the limit is "
                    + maxBytes + " bytes");
        }
    }

    /** The request's params; a request without them fails as a parameter problem. */
    static TranslationParams params(TranslationRequested request) {
        if (request.params() == null) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, "the request carries no params");
        }
        return request.params();
    }

    /**
     * The bytes of the request's input object as read, checked to exist and to match the sha256
     * recorded when the gateway accepted it (a blank or absent sha256 is not checked).
     *
     * @param what how the object is named in a failure ("input object", "evaluation spec")
     */
    static byte[] verified(TranslationRequested request, Optional<byte[]> read, String what) {
        byte[] bytes = read.orElseThrow(() -> new JobFailure(ErrorCode.NOT_FOUND,
                what + " " + request.inputKey() + " does not exist"));
        String expected = request.inputSha256();
        if (expected != null && !expected.isBlank() && !sha256(bytes).equalsIgnoreCase(expected)) {
            throw new JobFailure(ErrorCode.INTERNAL_ERROR, what + " " + request.inputKey()
                    + " does not match the sha256 recorded when it was accepted");
        }
        return bytes;
    }

    /**
     * The task the params name, checked against the lane's model: its input kind, and the model or
     * version asked for (the name, the version or the label of the loaded model).
     *
     * @param model the lane's model; null when this worker does not serve the lane
     */
    static InputKind task(TranslationParams params, PitiModel model) {
        if (params.task() == null || params.task().isBlank()) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, "params.task is required (mask, sketch or depth)");
        }
        InputKind task;
        try {
            task = InputKind.fromWireName(params.task());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
        if (model == null) {
            throw new JobFailure(ErrorCode.UNKNOWN_MODEL, "the job arrived on a lane this worker does not serve");
        }
        ModelManifest manifest = model.manifest();
        String label = ServedModels.label(model);
        if (!task.wireName().equals(manifest.input().kind())) {
            throw new JobFailure(ErrorCode.UNKNOWN_MODEL, "the lane of " + label + " serves " + manifest.input().kind()
                    + " inputs; no model here for task " + task.wireName());
        }
        String asked = params.model();
        if (asked != null && !asked.isBlank() && !asked.equals(manifest.version()) && !asked.equals(manifest.name())
                && !asked.equals(label)) {
            // The lane is the model's; a version other than the one loaded (say, during a roll-out) is refused.
            throw new JobFailure(ErrorCode.UNKNOWN_MODEL, "model '" + asked + "' is not served on this lane; its"
                    + " workers have " + label);
        }
        return task;
    }

    static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }
}
