import CDetect
import Foundation

/// The face detector's weights, compiled into the binary (Models/LICENSE.md), loaded into OpenCV
/// once per process: by the server for in-process processing, by each helper before its sandbox.
public enum FaceModel {
    private static let loaded: Result<Void, LoadError> = {
        var message = [CChar](repeating: 0, count: 512)
        let rc = PackageResources.face_detection_yunet_2023mar_onnx.withUnsafeBytes { model in
            dsd_load(model.baseAddress, model.count, &message, message.count)
        }
        guard rc == 0 else {
            return .failure(LoadError(message: String(decoding: message.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self)))
        }
        return .success(())
    }()

    public struct LoadError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "the face detector failed to load: \(message)" }
    }

    public static func load() throws {
        try loaded.get()
    }
}
