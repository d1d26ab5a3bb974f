package io.chatroom.launcher;

/** How the launcher found a store; printed so that nobody wonders which database they are using. */
enum StoreSource {
    /** Given by the user: {@code REDIS_URL}, {@code DATABASE_URL} or {@code spring.*} variables. */
    EXPLICIT("given"),
    /** Something already answered on the default local port. */
    LOCAL("local"),
    /** Started by the launcher itself, with its data under {@code .run/}. */
    EMBEDDED("embedded");

    private final String label;

    StoreSource(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
