/**
 * Reading and writing tensors: the file formats other tools use, and Ember's checkpoints.
 *
 * <table>
 *   <caption>Formats</caption>
 *   <tr><th>class</th><th>format</th><th>read</th><th>write</th></tr>
 *   <tr><td>{@link dev.ember.io.Idx}</td><td>IDX (MNIST), gzipped or not</td><td>yes</td>
 *       <td>no</td></tr>
 *   <tr><td>{@link dev.ember.io.Csv}</td><td>numeric CSV</td><td>yes</td><td>no</td></tr>
 *   <tr><td>{@link dev.ember.io.Npy}</td><td>NumPy {@code .npy} 1.0/2.0/3.0</td><td>yes</td>
 *       <td>yes</td></tr>
 *   <tr><td>{@link dev.ember.io.Npz}</td><td>NumPy {@code .npz}</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link dev.ember.io.SafeTensors}</td><td>safetensors</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>{@link dev.ember.io.Checkpoints}</td><td>nested state (model, optimizer) in one
 *       safetensors file</td><td>yes</td><td>yes</td></tr>
 * </table>
 *
 * <p>Readers validate what they read and throw {@link dev.ember.io.FormatException} (an {@link
 * java.io.IOException}) naming the file, the tensor or the row at fault; writers to a {@link
 * java.nio.file.Path} are atomic (a temporary file in the same directory, synced, then renamed over
 * the target), so a failed write leaves the previous file intact. Tensors read are created on the
 * CPU, in the current {@link dev.ember.tensor.Scope} if one is open.
 */
package dev.ember.io;
