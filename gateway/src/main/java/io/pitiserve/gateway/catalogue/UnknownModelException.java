package io.pitiserve.gateway.catalogue;

import java.util.List;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** No known model serves the task, or none answers to the name asked for. */
public final class UnknownModelException extends ServiceException {

    private final transient List<ModelCatalogue.Entry> known;

    UnknownModelException(String task, String asked, List<ModelCatalogue.Entry> known) {
        super(ErrorCode.UNKNOWN_MODEL, message(task, asked, known));
        this.known = List.copyOf(known);
    }

    public List<ModelCatalogue.Entry> known() {
        return known;
    }

    private static String message(String task, String asked, List<ModelCatalogue.Entry> known) {
        String available = known.isEmpty() ? "none"
                : String.join(", ", known.stream().map(e -> e.name() + " (" + e.task() + ")").toList());
        String what = asked == null || asked.isBlank() ? "no model serves task " + task
                : "no model '" + asked.strip() + "' serves task " + task;
        return what + "; available: " + available + " (see GET /v1/models)";
    }
}
