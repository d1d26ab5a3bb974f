package io.chatroom.stores;

/** How a store was found; printed so that nobody wonders which database they are using. */
public enum StoreSource {
    /** Given by the user: {@code REDIS_URL}, {@code DATABASE_URL} or {@code spring.*} variables. */
    EXPLICIT("given"),
    /** Something already answered on the default local port. */
    LOCAL("local"),
    /** Started by the caller itself (the launcher keeps its data under {@code .run/}). */
    EMBEDDED("embedded");

    private final String label;

    StoreSource(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
