/**
 * The backend SPI: the small set of primitives a device implements ({@link
 * dev.ember.backend.Backend}), discovered with {@link java.util.ServiceLoader} through {@link
 * dev.ember.backend.BackendProvider} and chosen in one place, {@link dev.ember.backend.Backends}.
 * The CPU backend ({@code dev.ember.backend.cpu}) is the reference every other backend is tested
 * against.
 */
package dev.ember.backend;
