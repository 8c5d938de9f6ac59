package io.fieldline.bridge.can.candump;

import io.fieldline.can.CanFrame;

/** Receives what a line-based CAN input reads. Calls come from one thread at a time. */
public interface FrameListener {

    /**
     * A frame was read.
     *
     * @param frame  the frame
     * @param source where it came from (file name, {@code stdin}, {@code tcp:host:port})
     * @param line   1-based line number within the source
     */
    void onFrame(CanFrame frame, String source, long line) throws InterruptedException;

    /**
     * A line could not be read as a frame; the input goes on with the next line.
     *
     * @param text   the line
     * @param source where it came from
     * @param line   1-based line number
     * @param reason what was wrong
     */
    void onMalformed(String text, String source, long line, String reason);
}
