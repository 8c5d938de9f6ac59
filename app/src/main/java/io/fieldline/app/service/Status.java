package io.fieldline.app.service;

/** Health of a process, a component or a dependency, worst last. */
public enum Status {
    /** Doing its job. */
    UP,
    /** Doing its main job, with something it can do without missing (Redis down: live values lag). */
    DEGRADED,
    /** Not doing its job. */
    DOWN;

    /** The worse of two. */
    public Status and(Status other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
