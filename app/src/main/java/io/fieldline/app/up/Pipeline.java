package io.fieldline.app.up;

import java.util.ArrayList;
import java.util.List;

/** The components {@code fieldline up} runs, in start order. */
final class Pipeline {

    /** Choices from the command line. */
    record Options(int devices, double rate, boolean canReplay) {
    }

    private Pipeline() {
    }

    static List<PipelineComponent> components(UpContext context, Options options) {
        List<PipelineComponent> components = new ArrayList<>();
        if (options.canReplay()) {
            components.add(io.fieldline.app.can.CanBridgeComponent.create(context));
        }
        return components;
    }
}
