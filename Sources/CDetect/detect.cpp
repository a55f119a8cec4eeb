// Face detection with YuNet (libfacedetection's model, MIT, Sources/DoorstepImaging/Models) through
// OpenCV's dnn module. Debian's OpenCV 4.6 has cv::FaceDetectorYN, but it cannot run the 2023
// model (whose outputs are split into class, objectness and box per stride); the decoding below
// follows OpenCV 4.8's FaceDetectorYN::postProcess for that model.
#include "CDetect.h"
#include <opencv2/core.hpp>
#include <opencv2/core/ocl.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

namespace {

// Below this a face is too uncertain to count. Chosen with the search size (1280 px) on the
// labelled set and the corpus: the highest threshold that keeps face recall over 0.95 while no
// photo without people is redacted (dandelions and leaves score up to 0.70). BENCHMARKS.md,
// "Redaction", has the table.
constexpr float scoreThreshold = 0.75f;
constexpr float overlapThreshold = 0.3f;
constexpr int strides[3] = {8, 16, 32};
// Candidates kept for non-maximum suppression (quadratic): an image crafted to light every cell
// costs a bounded sort, not millions of comparisons.
constexpr size_t candidateLimit = 4096;

std::mutex modelLock;
std::vector<uchar> modelBytes;  // written once by dsd_load, read by every thread's own network
std::atomic<bool> loaded{false};

// cv::dnn::Net is not safe to run from two threads at once: each thread builds its own from the
// same bytes (in a helper process that is one thread, built before the sandbox closes). Two per
// thread, one for small inputs and one for large: a network reallocates every layer when its
// input changes shape, and the two searches of each photo (redact.c) would otherwise pay that
// twice a photo.
cv::dnn::Net &network(bool small) {
    thread_local std::unique_ptr<cv::dnn::Net> nets[2];
    std::unique_ptr<cv::dnn::Net> &net = nets[small ? 0 : 1];
    if (!net) {
        std::lock_guard<std::mutex> guard(modelLock);
        net = std::make_unique<cv::dnn::Net>(cv::dnn::readNetFromONNX(modelBytes));
        net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    }
    return *net;
}

int find(const cv::Mat &rgbx, dsd_region *regions, int capacity) {
    cv::Mat bgr;
    cv::cvtColor(rgbx, bgr, cv::COLOR_RGBA2BGR);
    // The network's strides need sides that are multiples of 32: padded with black, below and right.
    int paddedWidth = (bgr.cols + 31) / 32 * 32, paddedHeight = (bgr.rows + 31) / 32 * 32;
    cv::Mat padded;
    cv::copyMakeBorder(bgr, padded, 0, paddedHeight - bgr.rows, 0, paddedWidth - bgr.cols, cv::BORDER_CONSTANT, 0);
    cv::dnn::Net &net = network(std::max(paddedWidth, paddedHeight) <= 352);
    net.setInput(cv::dnn::blobFromImage(padded));
    static const std::vector<cv::String> names = {"cls_8", "cls_16", "cls_32", "obj_8", "obj_16", "obj_32",
                                                  "bbox_8", "bbox_16", "bbox_32"};
    std::vector<cv::Mat> outputs;
    net.forward(outputs, names);
    if (outputs.size() != names.size()) return -1;

    std::vector<cv::Rect2d> boxes;
    std::vector<float> scores;
    for (int level = 0; level < 3; level++) {
        int stride = strides[level], columns = paddedWidth / stride, rows = paddedHeight / stride;
        const cv::Mat &cls = outputs[level], &obj = outputs[3 + level], &box = outputs[6 + level];
        size_t cells = (size_t)columns * rows;
        // What the network gave is checked against what it was asked, never trusted for its size.
        if (cls.total() != cells || obj.total() != cells || box.total() != cells * 4) return -1;
        const float *c = cls.ptr<float>(), *o = obj.ptr<float>(), *b = box.ptr<float>();
        for (size_t index = 0; index < cells; index++) {
            float score = std::sqrt(std::clamp(c[index], 0.f, 1.f) * std::clamp(o[index], 0.f, 1.f));
            if (!(score >= scoreThreshold)) continue;  // NaN too
            int row = (int)(index / columns), column = (int)(index % columns);
            double cx = (column + b[index * 4 + 0]) * stride, cy = (row + b[index * 4 + 1]) * stride;
            double w = std::exp(std::min(b[index * 4 + 2], 10.f)) * stride, h = std::exp(std::min(b[index * 4 + 3], 10.f)) * stride;
            boxes.emplace_back(cx - w / 2, cy - h / 2, w, h);
            scores.push_back(score);
        }
    }
    if (boxes.size() > candidateLimit) {
        std::vector<size_t> order(boxes.size());
        for (size_t i = 0; i < order.size(); i++) order[i] = i;
        std::partial_sort(order.begin(), order.begin() + candidateLimit, order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
        std::vector<cv::Rect2d> topBoxes;
        std::vector<float> topScores;
        for (size_t i = 0; i < candidateLimit; i++) {
            topBoxes.push_back(boxes[order[i]]);
            topScores.push_back(scores[order[i]]);
        }
        boxes.swap(topBoxes);
        scores.swap(topScores);
    }
    std::vector<int> kept;
    cv::dnn::NMSBoxes(boxes, scores, scoreThreshold, overlapThreshold, kept);
    std::sort(kept.begin(), kept.end(), [&](int a, int b) { return scores[a] > scores[b]; });
    int count = 0;
    for (int index : kept) {
        if (count == capacity) break;
        // Clipped to the image: a region is only ever used to blur pixels that exist.
        cv::Rect2d clipped = boxes[index] & cv::Rect2d(0, 0, rgbx.cols, rgbx.rows);
        if (!(clipped.width >= 1 && clipped.height >= 1)) continue;  // NaN too
        regions[count++] = {(int)std::floor(clipped.x), (int)std::floor(clipped.y), (int)std::ceil(clipped.width),
                            (int)std::ceil(clipped.height), scores[index], DSD_FACE};
    }
    return count;
}

}  // namespace

extern "C" int dsd_load(const void *face_model, size_t length, char *err, size_t err_length) {
    try {
        cv::setNumThreads(0);  // OpenCV's own threads would compete with the image pool's
        cv::ocl::setUseOpenCL(false);
        {
            std::lock_guard<std::mutex> guard(modelLock);
            if (!loaded.load()) modelBytes.assign((const uchar *)face_model, (const uchar *)face_model + length);
        }
        // Once through each network on a grey image: both are built and their layers allocated now.
        for (int side : {64, 640}) {
            cv::Mat blank(side, side, CV_8UC4, cv::Scalar(128, 128, 128, 255));
            dsd_region unused[1];
            if (find(blank, unused, 1) < 0) throw std::runtime_error("the face model gave outputs of an unexpected shape");
        }
        loaded.store(true);
        return 0;
    } catch (const std::exception &error) {
        snprintf(err, err_length, "face model: %s", error.what());
        return -1;
    } catch (...) {
        snprintf(err, err_length, "face model failed to load");
        return -1;
    }
}

extern "C" int dsd_loaded(void) { return loaded.load() ? 1 : 0; }

extern "C" int dsd_find(const uint8_t *rgbx, int width, int height, dsd_region *regions, int capacity) {
    if (!loaded.load() || !rgbx || width < 1 || height < 1 || capacity < 0) return -1;
    try {
        cv::Mat image(height, width, CV_8UC4, (void *)rgbx);
        return find(image, regions, capacity);
    } catch (...) {
        return -1;
    }
}
