package io.fieldline.sink.internal.worker;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A consumed record that can never be written, with why. */
public record DeadLetter(ConsumerRecord<byte[], byte[]> source, String reason, Throwable cause) {}
