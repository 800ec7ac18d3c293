package io.pitiserve.common.catalogue;

import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.UnreadableEventException;

/** Catalogue records as JSON (snake_case, the same conventions as the events). */
public final class CatalogueCodec {

    private CatalogueCodec() {
    }

    public static byte[] toJson(ModelAnnouncement announcement) {
        return EventCodec.writeJson(announcement);
    }

    /** @throws UnreadableEventException when the value is not an announcement */
    public static ModelAnnouncement fromJson(byte[] json) throws UnreadableEventException {
        try {
            return EventCodec.readJson(json, ModelAnnouncement.class);
        } catch (IllegalArgumentException e) {
            throw new UnreadableEventException("unreadable model announcement: " + e.getMessage(), e);
        }
    }
}
