package io.pitiserve.common.storage;

import io.pitiserve.common.errors.ErrorCode;

/** An object larger than its reader accepts; refused before its body is read whole. Never retryable. */
public class ObjectTooLargeException extends ObjectStoreException {

    private final long size;
    private final long limit;

    /** @param size the object's size in bytes, or -1 when the store did not report it */
    public ObjectTooLargeException(String key, long size, long limit) {
        super(ErrorCode.INPUT_TOO_LARGE, "object " + key + " is " + (size < 0 ? "larger than " + limit + " bytes" : size + " bytes")
                + "; at most " + limit + " bytes are read", false, null);
        this.size = size;
        this.limit = limit;
    }

    /** The object's size in bytes, or -1 when the store did not report it. */
    public long size() {
        return size;
    }

    public long limit() {
        return limit;
    }
}
