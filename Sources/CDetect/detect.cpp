// Face detection with YuNet (libfacedetection's model, MIT, Sources/DoorstepImaging/Models) and
// person detection with MobileNet-SSD (MIT, models/LICENSE.md) through OpenCV's dnn module. Debian's OpenCV 4.6 has cv::FaceDetectorYN, but it cannot run the 2023
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
constexpr int minimumSide = 64;
// Candidates kept for non-maximum suppression (quadratic): an image crafted to light every cell
// costs a bounded sort, not millions of comparisons.
constexpr size_t candidateLimit = 4096;

// A person counts from this score (the network's output, class "person" of its 21). 0.4 was the
// bar for the SSDLite network before this one and keeps no false person on the corpus photos
// without people nor on the scenes of the labelled set (BENCHMARKS.md, "People"). A false person
// costs a pixelated patch of the scene; the one kind seen (a whole tile) needs more, below.
constexpr float personThreshold = 0.4f;
// A box that fills a whole tile counts only from this score: "the whole tile is a person" is how
// these networks go wrong on close-ups of texture (the SSDLite network before this one saw a person
// over 0.5 in a dragonfly on leaves). This one scores no person even 0.2 on any corpus photo, the
// courier app's test camera included, while bodies close enough to fill a square (a torso at arm's
// length, a real office portrait) scored 0.90 to 0.999 (BENCHMARKS.md, "whole-tile bodies").
constexpr float wholeTileThreshold = 0.8f;
constexpr float personClass = 15.f;
constexpr int personSide = 300;
constexpr int wholeFrameSide = 200;

extern "C" const unsigned char dsd_person_model[];
extern "C" const size_t dsd_person_model_length;
extern "C" const char dsd_person_graph[];
extern "C" const size_t dsd_person_graph_length;

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

// Like the face networks, one per input size: the tiles' 300 x 300 and the whole frame's smaller
// look. Fed both, one network reallocates its layers twice a photo: 98 ms a photo for the three
// looks against 82 with two (OpenCV 4.6, one thread, this machine).
cv::dnn::Net &personNetwork(bool wholeFrame) {
    thread_local std::unique_ptr<cv::dnn::Net> nets[2];
    std::unique_ptr<cv::dnn::Net> &net = nets[wholeFrame ? 1 : 0];
    if (!net) {
        std::lock_guard<std::mutex> guard(modelLock);
        net = std::make_unique<cv::dnn::Net>(cv::dnn::readNetFromCaffe(
            dsd_person_graph, dsd_person_graph_length, (const char *)dsd_person_model, dsd_person_model_length));
        net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    }
    return *net;
}

// The whole pixels a box touches: from the floor of its start to the ceiling of its end (a box
// from x 10.6 wide 5.6 ends at 16.2, so it covers pixels 10 to 16: 7 wide, where the ceiling of
// its width alone would say 6 and leave its last column out).
dsd_region covering(const cv::Rect2d &box, float score, dsd_kind kind) {
    int x = (int)std::floor(box.x), y = (int)std::floor(box.y);
    return {x, y, (int)std::ceil(box.x + box.width) - x, (int)std::ceil(box.y + box.height) - y, score, kind};
}

// One look of the network at a part of the image, squeezed to side x side: its boxes (normalised,
// after its own non-maximum suppression) in the image's pixels.
int findPeopleIn(const cv::Mat &bgr, const cv::Rect &tile, int side, std::vector<cv::Rect2d> &boxes, std::vector<float> &scores) {
    cv::dnn::Net &net = personNetwork(side == wholeFrameSide);
    net.setInput(cv::dnn::blobFromImage(bgr(tile), 1.0 / 127.5, cv::Size(side, side), cv::Scalar(127.5, 127.5, 127.5), false));
    cv::Mat out = net.forward();
    // [1, 1, N, 7] floats: image, class, score, x0, y0, x1, y1. Checked, never trusted for its size.
    if (out.type() != CV_32F || !out.isContinuous() || out.dims != 4 || out.size[3] != 7 || out.total() / 7 > 1000) return -1;
    const float *row = out.ptr<float>();
    for (size_t i = 0, rows = out.total() / 7; i < rows; i++, row += 7) {
        if (row[1] != personClass || !(row[2] >= personThreshold)) continue;  // NaN too
        cv::Rect2d box(tile.x + row[3] * tile.width, tile.y + row[4] * tile.height, (row[5] - row[3]) * tile.width,
                       (row[6] - row[4]) * tile.height);
        box &= cv::Rect2d(tile);
        if (box.area() > 0.9 * tile.area() && row[2] < wholeTileThreshold) continue;
        boxes.push_back(box);
        scores.push_back(row[2]);
    }
    return 0;
}

bool centreInside(const cv::Rect2d &a, const cv::Rect2d &b) {
    return b.contains(cv::Point2d(a.x + a.width / 2, a.y + a.height / 2));
}

// Whole or partial people, seen from any side. The network sees 300 x 300: a whole 3:2 photo
// squeezed into it makes a standing person too thin and small to find, so it looks at square
// tiles instead, across the photo's long side, one more than fit so that neighbours always overlap
// (two for 4:3 or 3:2, three for 2:1). A shape longer than 4:1 gets one squeezed look: nobody is
// recognisable in such a strip, and a 1 x 5000 image must not cost thousands of passes. A person
// the tiles show twice, or cut in two, is one: a box whose centre lies in a kept one's (or the
// other way round) widens that one to cover both, so no part of anyone is left out. Photos that
// get tiles also get one look at the whole frame, for people too close to fit in a tile (below).
int findPeople(const cv::Mat &rgbx, dsd_region *regions, int capacity) {
    cv::Mat bgr;  // the network was trained on Caffe's BGR
    cv::cvtColor(rgbx, bgr, cv::COLOR_RGBA2BGR);
    int side = std::min(bgr.cols, bgr.rows), longest = std::max(bgr.cols, bgr.rows);
    int tiles = longest <= side * 21 / 20 || longest > side * 4 ? 1 : longest / side + 1;
    std::vector<cv::Rect2d> boxes;
    std::vector<float> scores;
    for (int i = 0; i < tiles; i++) {
        int offset = tiles == 1 ? 0 : (int)std::lround((double)i * (longest - side) / (tiles - 1));
        cv::Rect tile = tiles == 1                ? cv::Rect(0, 0, bgr.cols, bgr.rows)
                        : bgr.cols >= bgr.rows ? cv::Rect(offset, 0, side, side)
                                               : cv::Rect(0, offset, side, side);
        if (findPeopleIn(bgr, tile, personSide, boxes, scores) < 0) return -1;
    }
    // And the whole frame squeezed into one small look: someone at the open door, a metre or two
    // away, runs off the frame's bottom and is cut by every tile into shoulders the network does
    // not read as a person; squeezed, the same torso has a standing person's proportions. Such a
    // person is large, so the look is 200 x 200, about half a tile's cost: on the labelled set's
    // 36 hardest people at 1 and 1.5 m it found all (300 x 300: 32), and on 38 photos without
    // people no person scored even 0.2 (OpenCV 4.10 from Python; through this code, 0 of 26
    // photos without people redacted; bench/redaction/whole_frame_trial.py, BENCHMARKS.md).
    if (tiles > 1 && findPeopleIn(bgr, cv::Rect(0, 0, bgr.cols, bgr.rows), wholeFrameSide, boxes, scores) < 0) return -1;
    std::vector<size_t> order(boxes.size());
    for (size_t i = 0; i < order.size(); i++) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    std::vector<cv::Rect2d> kept;
    std::vector<float> keptScores;
    for (size_t index : order) {
        const cv::Rect2d &box = boxes[index];
        if (!(box.width >= 1 && box.height >= 1)) continue;  // NaN too
        auto same = std::find_if(kept.begin(), kept.end(), [&](const cv::Rect2d &other) {
            return centreInside(box, other) || centreInside(other, box);
        });
        if (same != kept.end()) {
            *same |= box;
        } else if ((int)kept.size() < capacity) {
            kept.push_back(box);
            keptScores.push_back(scores[index]);
        }
    }
    for (size_t i = 0; i < kept.size(); i++) {
        regions[i] = covering(kept[i], keptScores[i], DSD_PERSON);
    }
    return (int)kept.size();
}

int find(const cv::Mat &rgbx, dsd_region *regions, int capacity) {
    cv::Mat bgr;
    cv::cvtColor(rgbx, bgr, cv::COLOR_RGBA2BGR);
    // The network's strides need sides that are multiples of 32: padded with black, below and right.
    // And at least 64: with a side of 32 (a strip's one row, padded) and the other 576 or longer,
    // OpenCV 4.6's dnn read past its buffers (valgrind: thousands of invalid reads, and
    // faces "found" in random pixels that changed from run to run): fuzz/detector-shapes checks it.
    int paddedWidth = std::max((bgr.cols + 31) / 32 * 32, minimumSide), paddedHeight = std::max((bgr.rows + 31) / 32 * 32, minimumSide);
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
        regions[count++] = covering(clipped, scores[index], DSD_FACE);
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
        // 3:2, so that the tiles' network and the whole frame's are both built.
        cv::Mat blank(personSide, personSide * 3 / 2, CV_8UC4, cv::Scalar(128, 128, 128, 255));
        dsd_region unused[1];
        if (findPeople(blank, unused, 1) < 0) throw std::runtime_error("the person model gave outputs of an unexpected shape");
        loaded.store(true);
        return 0;
    } catch (const std::exception &error) {
        snprintf(err, err_length, "detection models: %s", error.what());
        return -1;
    } catch (...) {
        snprintf(err, err_length, "detection models failed to load");
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

extern "C" int dsd_find_people(const uint8_t *rgbx, int width, int height, dsd_region *regions, int capacity) {
    if (!loaded.load() || !rgbx || width < 1 || height < 1 || capacity < 0) return -1;
    try {
        cv::Mat image(height, width, CV_8UC4, (void *)rgbx);
        return findPeople(image, regions, capacity);
    } catch (...) {
        return -1;
    }
}
