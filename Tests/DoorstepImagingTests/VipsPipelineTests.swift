import DoorstepCore
import Foundation
import ImagingMeasures
import Testing

@testable import DoorstepImaging

@Suite struct VipsPipelineTests {
    let processor: VipsImageProcessor
    let spec = ImageOutputSpec()

    init() throws {
        processor = try VipsImageProcessor()
    }

    @Test func testPhotosAreAvailable() {
        #expect(TestPhotos.all.count >= 20, "test photos missing from \(TestPhotos.fixtures.path)")
        #expect(TestPhotos.all.contains { $0.expect == "reject" })
    }

    @Test(arguments: TestPhotos.all)
    func everyTestPhotoGetsItsExpectedOutcome(_ entry: TestPhotos.Entry) throws {
        let result = Result { () throws(DoorstepError) in try processor.process(entry.bytes, limits: ImageLimits(), output: spec) }
        switch (entry.expect, result) {
        case ("reject", .success):
            Issue.record("\(entry.name) was accepted but must be rejected")
        case ("accept", .failure(let error)):
            Issue.record("\(entry.name) was rejected (\(error)) but must be accepted")
        case (_, .success(let output)):
            try expectClean(output, from: entry)
        case (_, .failure):
            break  // rejected as expected ("reject"), or allowed to be ("either")
        }
    }

    /// What every accepted photo must look like: right sizes, upright, 3-band sRGB JPEG, and
    /// nothing but pixels (no EXIF, GPS, XMP, ICC, IPTC, comments, or smuggled payloads).
    func expectClean(_ output: ProcessedImage, from entry: TestPhotos.Entry) throws {
        let header = output.header
        let quarterTurn = (5...8).contains(header.orientation)
        let (uprightWidth, uprightHeight) = quarterTurn ? (header.height, header.width) : (header.width, header.height)
        let longest = max(uprightWidth, uprightHeight)
        for (image, limit) in [(output.display, spec.displayMaxSide), (output.thumbnail, spec.thumbnailMaxSide)] {
            let jpeg = try #require(JPEGInspection(image.jpeg), "\(entry.name): output is not a JPEG")
            #expect(jpeg.metadataMarkers.isEmpty, "\(entry.name): metadata segments left: \(jpeg.metadataMarkers.map { String($0, radix: 16) })")
            for needle in ["Exif", "http://ns.adobe.com", "ICC_PROFILE", "Photoshop", "<script", "PK\u{3}\u{4}"] {
                #expect(!image.jpeg.contains(ascii: needle), "\(entry.name): output contains \(needle)")
            }
            #expect(jpeg.components == 3, "\(entry.name): \(jpeg.components) colour components")
            #expect((jpeg.width, jpeg.height) == (image.width, image.height))
            #expect(max(image.width, image.height) == min(limit, longest), "\(entry.name): \(image.width)x\(image.height)")
            // Upright: the aspect ratio of the oriented original, to within rounding.
            let expectedRatio = Double(uprightWidth) / Double(uprightHeight)
            let ratio = Double(image.width) / Double(image.height)
            #expect(abs(ratio - expectedRatio) / expectedRatio < 0.02 || min(image.width, image.height) < 50,
                    "\(entry.name): ratio \(ratio), expected \(expectedRatio)")
        }
    }

    @Test(arguments: [
        ("b04_zero_bytes.jpg", DoorstepError.unsupportedMediaType),
        ("b05_text_named.jpg", .unsupportedMediaType),
        ("b06_html_named.jpg", .unsupportedMediaType),
        ("b19_svg_with_script.svg", .unsupportedMediaType),
        ("b20_gif_animated_tiny.gif", .unsupportedMediaType),
        ("b07_png_bomb_30000x30000_1bit.png", .tooManyPixels(limit: 60_000_000)),
        ("b10_jpeg_valid_16384x16384_268MP.jpg", .tooManyPixels(limit: 60_000_000)),
        ("b03_skimage_truncated_100x100.jpg", .undecodableImage),
        ("b16_exif_only_no_image_data.jpg", .undecodableImage),
    ])
    func hostileFilesAreRejectedForTheRightReason(_ name: String, _ expected: DoorstepError) throws {
        let entry = try #require(TestPhotos.named(name))
        #expect(throws: expected) { try processor.process(entry.bytes, limits: ImageLimits(), output: spec) }
    }

    @Test func allEightOrientationsComeOutTheSameUprightImage() throws {
        let names = [1, 2, 3, 4, 6, 8].map { "b28_orientation\($0)_goexif_f\($0).jpg" }
        let decoded = try names.map { name in
            let entry = try #require(TestPhotos.named(name))
            let output = try processor.process(entry.bytes, limits: ImageLimits(), output: spec)
            #expect((output.display.width, output.display.height) == (40, 80), "\(name)")
            return try processor.decodePixels(output.display.jpeg)
        }
        for (name, pixels) in zip(names, decoded).dropFirst() {
            let difference = try #require(pixels.meanAbsoluteDifference(to: decoded[0]))
            // Same picture up to JPEG noise; a wrong rotation or mirror differs by far more (~60+).
            #expect(difference < 8, "\(name) differs from orientation 1 by \(difference)")
        }
    }

    /// The corpus has no orientation 5 or 7: the upright file with its tag rewritten must come out
    /// transposed (5) and transposed then turned 180° (7), pixel for pixel.
    @Test func transposingOrientationsTurnThePixelsTheWayTheTagSays() throws {
        let upright = try #require(TestPhotos.named("b28_orientation1_goexif_f1.jpg")).bytes
        let original = try processor.decodePixels(try processor.process(upright, limits: ImageLimits(), output: spec).display.jpeg)
        let (w, h) = (original.width, original.height)
        func pixel(_ image: DecodedPixels, _ x: Int, _ y: Int) -> [UInt8] {
            Array(image.rgb[(y * image.width + x) * 3..<(y * image.width + x) * 3 + 3])
        }
        for (tag, source) in [(UInt16(5), { (x: Int, y: Int) in (y, x) }), (UInt16(7), { (x: Int, y: Int) in (w - 1 - y, h - 1 - x) })] {
            let bytes = try #require(upright.settingEXIFOrientation(tag))
            let output = try processor.process(bytes, limits: ImageLimits(), output: spec)
            #expect(output.header.orientation == Int(tag))
            let turned = try processor.decodePixels(output.display.jpeg)
            try #require((turned.width, turned.height) == (h, w))
            var expected = [UInt8]()
            for y in 0..<turned.height {
                for x in 0..<turned.width {
                    let (sx, sy) = source(x, y)
                    expected += pixel(original, sx, sy)
                }
            }
            let difference = try #require(turned.meanAbsoluteDifference(to: DecodedPixels(width: h, height: w, rgb: expected)))
            #expect(difference < 8, "orientation \(tag) differs from the turned original by \(difference)")
        }
    }

    /// A phone photo in Display P3 must show the colours it has, not P3 numbers read as sRGB:
    /// b22 is x02 converted to P3 with the profile embedded.
    @Test(.enabled(if: TestPhotos.hasShared)) func anEmbeddedColourProfileIsHonoured() throws {
        let srgb = try #require(TestPhotos.named("x02_dragonfly_phone_4032x3024_q92_gps.jpg")).bytes
        let p3 = try #require(TestPhotos.named("b22_icc_displayP3_4032x3024.jpg")).bytes
        func shown(_ bytes: [UInt8]) throws -> DecodedPixels {
            try processor.decodePixels(try processor.process(bytes, limits: ImageLimits(), output: spec).display.jpeg)
        }
        let reference = try shown(srgb)
        let honoured = try #require(try shown(p3).meanAbsoluteDifference(to: reference))
        // The same P3 file with its profile chunks renamed (APP2 → APP15) so no decoder finds them.
        var unlabelled = p3
        var index = 2
        while index + 4 < unlabelled.count, unlabelled[index] == 0xFF, unlabelled[index + 1] != 0xDA {
            if unlabelled[index + 1] == 0xE2 { unlabelled[index + 1] = 0xEF }
            index += 2 + (Int(unlabelled[index + 2]) << 8 | Int(unlabelled[index + 3]))
        }
        let ignored = try #require(try shown(unlabelled).meanAbsoluteDifference(to: reference))
        #expect(honoured < 2.5, "P3 photo converted: \(honoured) from the sRGB original")
        #expect(ignored > 2 * honoured, "profile ignored: \(ignored); honoured: \(honoured)")
    }

    /// Slivers of a photo (3 × 13000 px and the like) in every path: the shrink-on-load factor
    /// must never leave a side of zero, which libvips 8.14 answers by aborting the whole process
    /// (found by fuzzing: a CMYK JPEG of 3 × 512 took the server down).
    @Test(arguments: ["cmyk_3x13000.jpg", "ycbcr_3x13000.jpg", "ycbcr_13000x2.jpg", "rgb_3x13000.webp", "rgb_3x13000.png"])
    func aSliverOfAPhotoIsProcessedNotFatal(_ name: String) throws {
        let bytes = Array(try Data(contentsOf: TestPhotos.repositoryRoot.appendingPathComponent("Tests/Fixtures/thin/\(name)")))
        let output = try processor.process(bytes, limits: ImageLimits(), output: spec)
        #expect(max(output.display.width, output.display.height) == 1600, "\(name)")
        #expect(min(output.display.width, output.display.height) == 1, "\(name)")
        let pixels = try processor.decodePixels(output.display.jpeg)
        #expect(pixels.width * pixels.height == 1600)
    }

    @Test func aPortraitStoredSidewaysComesOutUpright() throws {
        let entry = try #require(TestPhotos.named("x01_wine_stored3837x2560_o6_gps.jpg"))
        let output = try processor.process(entry.bytes, limits: ImageLimits(), output: spec)
        #expect(output.header.orientation == 6)
        // 2560/3837 of 1600 is 1067.5 and of 320 is 213.5: either rounding is upright.
        #expect(output.display.height == 1600 && (1067...1068).contains(output.display.width))
        #expect(output.thumbnail.height == 320 && (213...214).contains(output.thumbnail.width))
    }

    @Test func readsCaptureTimeAndGPSBeforeStrippingThem() throws {
        let entry = try #require(TestPhotos.named("x01_wine_stored3837x2560_o6_gps.jpg"))
        let header = try processor.readHeader(entry.bytes)
        let position = try #require(header.position)
        #expect(abs(position.latitude - 52.52) < 0.001 && abs(position.longitude - 13.405) < 0.001)
        #expect(header.capturedAt != nil)
    }

    @Test func westernAndSouthernCoordinatesAreNegative() throws {
        // x03 (in ../shared only) carries 43.263N 2.935W.
        guard let entry = TestPhotos.named("x03_sunset_o3_gps.jpg") else { return }
        let position = try #require(try processor.readHeader(entry.bytes).position)
        #expect(abs(position.longitude + 2.935) < 0.001)
    }

    @Test func limitsAreConfigurable() throws {
        let entry = try #require(TestPhotos.named("r17_nikonD2H_500x375_gps.jpg"))
        #expect(throws: DoorstepError.tooManyPixels(limit: 100_000)) {
            try processor.process(entry.bytes, limits: ImageLimits(maxPixels: 100_000), output: spec)
        }
        #expect(throws: DoorstepError.payloadTooLarge(limit: 1000)) {
            try processor.process(entry.bytes, limits: ImageLimits(maxBytes: 1000), output: spec)
        }
    }

    @Test func darkerPhotosHaveLowerMeanBrightness() throws {
        let entry = try #require(TestPhotos.named("r17_nikonD2H_500x375_gps.jpg"))
        let output = try processor.process(entry.bytes, limits: ImageLimits(), output: spec)
        #expect((1...254).contains(output.signals.meanBrightness))
    }
}

@Suite struct ImageFormatTests {
    @Test func formatComesFromMagicBytesNotTheName() {
        #expect(ImageFormat(sniffing: [0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFormat(sniffing: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFormat(sniffing: Array("RIFF\0\0\0\0WEBPVP8 ".utf8)) == .webp)
        #expect(ImageFormat(sniffing: Array("\0\0\0\u{18}ftypheic\0\0\0\0".utf8)) == .heif)
        #expect(ImageFormat(sniffing: Array("GIF89a".utf8)) == nil)
        #expect(ImageFormat(sniffing: Array("<svg xmlns".utf8)) == nil)
        #expect(ImageFormat(sniffing: [UInt8]()) == nil)
    }

    @Test func mediaTypes() {
        #expect(ImageFormat.fromMediaType("image/jpeg") == .jpeg)
        #expect(ImageFormat.fromMediaType("IMAGE/HEIC; charset=x") == .heif)
        #expect(ImageFormat.fromMediaType("image/gif") == nil)
        #expect(ImageFormat.fromMediaType(";") == nil)
        #expect(ImageFormat.fromMediaType("") == nil)
        #expect(ImageFormat.fromMediaType("text/html") == nil)
    }
}

@Suite struct ScanFloodTests {
    /// Each scan of a progressive JPEG is a pass over the whole image: a valid file with thousands
    /// of them (Tests/Fixtures/tools/many_scans.c) is refused instead of decoded, and at once.
    @Test func aProgressiveJPEGWithThousandsOfScansIsRefused() throws {
        let bytes = Array(FileManager.default.contents(
            atPath: TestPhotos.fixtures.appendingPathComponent("h01_progressive_2090_scans_64x48.jpg").path) ?? Data())
        #expect(bytes.count > 60_000)
        let processor = try VipsImageProcessor()
        #expect(throws: DoorstepError.undecodableImage) { try processor.process(bytes, limits: ImageLimits(), output: ImageOutputSpec()) }
    }

    /// CMYK JPEGs are decoded by libvips, which has no scan limit: their scans are counted first.
    @Test func aCMYKProgressiveJPEGWithThousandsOfScansIsRefusedToo() throws {
        let bytes = Array(FileManager.default.contents(
            atPath: TestPhotos.fixtures.appendingPathComponent("h02_progressive_cmyk_2783_scans_64x48.jpg").path) ?? Data())
        #expect(bytes.count > 90_000)
        let processor = try VipsImageProcessor()
        #expect(throws: DoorstepError.undecodableImage) { try processor.process(bytes, limits: ImageLimits(), output: ImageOutputSpec()) }
    }

    /// A PNG chunk that claims more bytes than the file holds is refused before libpng, which would
    /// allocate the claimed size first: the fuzzer's 18 KB file claimed a 1.7 GB zTXt chunk. (libpng
    /// refuses the file too, after that allocation: what catches the allocation is the fuzz run's
    /// memory limit, with the fuzzer's file in its corpus; this pins the refusal.)
    @Test func aPNGChunkLongerThanTheFileIsRefusedBeforeAnyAllocation() throws {
        let png = Array(FileManager.default.contents(atPath: TestPhotos.fixtures.appendingPathComponent("r18_coffee_600x400.png").path) ?? Data())
        // The signature and IHDR as they are, then a zTXt chunk declaring 0x6A00_0000 bytes and holding 16.
        let header = Array(png.prefix(8 + 8 + 13 + 4))
        let bomb = header + [0x6A, 0x00, 0x00, 0x00] + Array("zTXt".utf8) + [UInt8](repeating: 0x41, count: 16)
        let processor = try VipsImageProcessor()
        #expect(throws: DoorstepError.undecodableImage) { try processor.process(bomb, limits: ImageLimits(), output: ImageOutputSpec()) }
        // The file it was cut from is fine.
        #expect(try processor.process(png, limits: ImageLimits(), output: ImageOutputSpec()).display.width == 600)
    }

    /// Every format's decoding is bounded in time: past the budget it stops and the image is
    /// refused like a broken one (libjpeg-turbo's progress monitor for JPEG, libvips's progress
    /// signal for the rest). With the default budget the same files go through.
    @Test(arguments: ["x01_wine_stored3837x2560_o6_gps.jpg", "r18_coffee_600x400.png"])
    func decodingPastItsTimeBudgetIsStopped(_ name: String) throws {
        let bytes = Array(FileManager.default.contents(atPath: TestPhotos.fixtures.appendingPathComponent(name).path) ?? Data())
        let processor = try VipsImageProcessor()
        var late = ImageLimits()
        late.decodeBudget = .microseconds(1)
        #expect(throws: DoorstepError.undecodableImage) { try processor.process(bytes, limits: late, output: ImageOutputSpec()) }
        #expect(try processor.process(bytes, limits: ImageLimits(), output: ImageOutputSpec()).display.width > 0)
    }
}
